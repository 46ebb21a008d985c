/** Reading JSON of unknown shape: marker output and loose drafts of our own format. */

/** One part of the input that could not be converted, by JSON pointer. */
export interface Problem {
  path: string;
  message: string;
}

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
