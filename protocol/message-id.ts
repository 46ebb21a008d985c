import { monotonicFactory, decodeTime } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * Message and conversation ids are lowercase ULIDs: unique, sortable by creation time, and valid
 * identifiers for topic segments (the topic map wants lowercase).
 */
export function newId(): string {
  return nextUlid().toLowerCase();
}

/** Creation time of an id made by newId(), or undefined for ids from elsewhere. */
export function idTime(id: string): number | undefined {
  try {
    return decodeTime(id.toUpperCase());
  } catch {
    return undefined;
  }
}
