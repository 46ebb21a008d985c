import './formats.ts';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CommsError } from './errors.ts';
import { IDENTIFIER_PATTERN } from './identifiers.ts';
import { newId } from './message-id.ts';
import { SCHEMA_ID_PATTERN } from './schema-id.ts';

export const ENVELOPE_VERSION = 1;

export const MESSAGE_KINDS = ['request', 'reply', 'progress', 'event', 'error', 'cancel'] as const;
export const MessageKind = Type.Union(MESSAGE_KINDS.map((kind) => Type.Literal(kind)));
export type MessageKind = (typeof MESSAGE_KINDS)[number];

const Identifier = Type.String({ pattern: IDENTIFIER_PATTERN });
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC time' });

/** The one JSON object every payload is (ARCHITECTURE §3). */
export const Envelope = Type.Object(
  {
    v: Type.Literal(ENVELOPE_VERSION),
    id: Identifier,
    kind: MessageKind,
    from: Identifier,
    to: Type.String({ minLength: 1, maxLength: 64, description: "a module id, or '*' for broadcasts" }),
    conversationId: Identifier,
    seq: Type.Optional(Type.Integer({ minimum: 0 })),
    replyTo: Type.Optional(Type.String({ pattern: '^comms/v1/replies/[a-z0-9][a-z0-9_.-]{0,63}$' })),
    correlationId: Type.Optional(Identifier),
    deadline: Type.Optional(Timestamp),
    parentId: Type.Optional(Identifier),
    schema: Type.String({ pattern: SCHEMA_ID_PATTERN }),
    body: Type.Unknown(),
    sentAt: Timestamp,
  },
  { $id: 'comms.envelope@1', additionalProperties: false },
);
export type Envelope<B = unknown> = Omit<Static<typeof Envelope>, 'body'> & { body: B };

const checkEnvelope = TypeCompiler.Compile(Envelope);

export interface SchemaProblem {
  path: string;
  message: string;
}

/** Up to `max` readable problems for a value against a compiled check. */
export function describeProblems(check: { Errors(value: unknown): Iterable<{ path: string; message: string }> }, value: unknown, max = 10): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const error of check.Errors(value)) {
    problems.push({ path: error.path || '/', message: error.message });
    if (problems.length >= max) break;
  }
  return problems;
}

/**
 * Decode and validate a raw MQTT payload. Throws E_TOO_LARGE, E_JSON_INVALID or E_SCHEMA_INVALID with
 * details saying exactly which field is wrong, so the sender can fix it from the error reply alone.
 */
export function parseEnvelope(payload: Uint8Array | string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Envelope {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > maxBytes) {
    throw new CommsError('E_TOO_LARGE', `message is ${size} bytes; the limit is ${maxBytes}. Send a file path or URL instead of inline data.`);
  }
  let value: unknown;
  try {
    const text = typeof payload === 'string' ? payload : new TextDecoder('utf-8', { fatal: true }).decode(payload);
    value = JSON.parse(text);
  } catch (err) {
    throw new CommsError('E_JSON_INVALID', `payload is not UTF-8 JSON: ${(err as Error).message}. Send one JSON object per message.`);
  }
  if (!checkEnvelope.Check(value)) {
    const problems = describeProblems(checkEnvelope, value);
    const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new CommsError('E_SCHEMA_INVALID', `envelope is invalid: ${summary}`, { problems });
  }
  return value as Envelope;
}

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export type EnvelopeFields<B> = Pick<Envelope<B>, 'kind' | 'from' | 'to' | 'conversationId' | 'schema' | 'body'> &
  Partial<Pick<Envelope<B>, 'id' | 'seq' | 'replyTo' | 'correlationId' | 'deadline' | 'parentId' | 'sentAt'>>;

/** Fill in the envelope's bookkeeping fields; optional fields left undefined are omitted. */
export function createEnvelope<B>(fields: EnvelopeFields<B>): Envelope<B> {
  const envelope: Record<string, unknown> = { v: ENVELOPE_VERSION, id: fields.id ?? newId(), sentAt: fields.sentAt ?? new Date().toISOString() };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) envelope[key] = value;
  }
  return envelope as Envelope<B>;
}

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}
