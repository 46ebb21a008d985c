import { CommsError } from '../protocol/index.ts';
import type { EmbeddingSpec } from '../protocol/pdf/index.ts';
import type { EmbeddingProvider } from './http-provider.ts';

type Record_ = { [field: string]: unknown };

/**
 * A rough cut before the server's own truncation: about four characters per token, so a huge block
 * never travels whole; the server truncates exactly (ollama/tei `truncate: true`).
 */
const CHARS_PER_TOKEN = 4;

/** The records a field path (`sections.title`) names, and the attribute holding the text. */
function targets(collections: Readonly<Record<string, readonly Record_[]>>, field: string): { records: readonly Record_[]; attribute: string } {
  const dot = field.indexOf('.');
  const records = collections[field.slice(0, dot)];
  if (dot < 0 || !records) throw new CommsError('E_INTERNAL', `embedding field ${field} names no collection`);
  return { records, attribute: field.slice(dot + 1) };
}

/**
 * Give every record with text in one of `spec.fields` a vector in `spec.attribute` (records without
 * text get none). Mutates the records; answers how many got a vector.
 */
export async function embedRecords(
  collections: Readonly<Record<string, readonly Record_[]>>,
  spec: EmbeddingSpec,
  provider: EmbeddingProvider,
  signal?: AbortSignal,
): Promise<number> {
  const pending: Array<{ record: Record_; text: string }> = [];
  for (const field of spec.fields) {
    const { records, attribute } = targets(collections, field);
    for (const record of records) {
      const text = record[attribute];
      if (typeof text === 'string' && text.trim() !== '') pending.push({ record, text: text.slice(0, spec.maxTokens * CHARS_PER_TOKEN) });
    }
  }
  if (pending.length === 0) return 0;
  const vectors = await provider.embed(
    pending.map((p) => p.text),
    signal,
  );
  pending.forEach((p, i) => (p.record[spec.attribute] = vectors[i]));
  return pending.length;
}
