/** Rows of `message_log` as the query API returns them (docs/storage.md, Tables). */
import { topicOf } from './log-keys.ts';
import { decodePayload } from './payload-codec.ts';

export interface RecordedMessage {
  seq: number;
  topic: string;
  messageId: string | null;
  kind: string | null;
  valid: boolean;
  errorCode: string | null;
  errorMessage: string | null;
  retained: boolean;
  receivedAt: string;
  /** The payload parsed as JSON when it is JSON, else its UTF-8 text (or base64 when not text); null when elided. */
  payload: unknown;
  /** A conversation state snapshot whose bytes were not kept: it repeats the event of the same seq (docs/storage.md). */
  elided?: true;
}

export interface MessageRow {
  seq: number;
  topic_name: string;
  conversation_id: string | null;
  message_id: string | null;
  kind: string | null;
  valid: number;
  error_code: string | null;
  error_message: string | null;
  retained: number;
  received_at: number;
  payload: Buffer | null;
}

/** message_log with its interned topic and conversation id (docs/storage.md, Tables). */
export const MESSAGE_ROWS = `SELECT l.seq, t.name AS topic_name, k.id AS conversation_id, l.message_id, l.kind, l.valid, l.error_code, l.error_message,
  l.retained, l.received_at, l.payload FROM message_log l JOIN topics t ON t.id = l.topic LEFT JOIN conversation_keys k ON k.n = l.conv`;
export const CONV = '(SELECT n FROM conversation_keys WHERE id = ?)';

export const TOPIC_TEXT = "CASE WHEN k.id IS NULL THEN t.name ELSE replace(t.name, '+', k.id) END";

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

export function envelopeBody(stored: Buffer, conversationId: string): unknown {
  return storedEnvelope(stored, conversationId).body;
}

/** A recorded envelope's schema and body. */
export function storedEnvelope(stored: Buffer, conversationId: string): { schema: string; body: unknown } {
  return JSON.parse(decodePayload(stored, conversationId).toString('utf8')) as { schema: string; body: unknown };
}

export function toMessage(row: MessageRow): RecordedMessage {
  const base = {
    seq: row.seq,
    topic: topicOf(row.topic_name, row.conversation_id),
    messageId: row.message_id,
    kind: row.kind,
    valid: row.valid === 1,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    retained: row.retained === 1,
    receivedAt: isoOf(row.received_at),
  };
  if (row.payload === null) return { ...base, payload: null, elided: true };
  return { ...base, payload: readablePayload(decodePayload(row.payload, row.conversation_id)) };
}

/** JSON when it parses, else UTF-8 text when it round-trips, else base64. */
function readablePayload(bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return Buffer.from(text, 'utf8').equals(bytes) ? text : bytes.toString('base64');
  }
}
