import './formats.ts';
import { Type, type Static } from '@sinclair/typebox';
import { IDENTIFIER_PATTERN } from './identifiers.ts';
import { literalUnion } from './literal-union.ts';
import { newId } from './message-id.ts';
import { SCHEMA_ID_PATTERN } from './schema-id.ts';
import { REPLY_TOPIC_PATTERN } from './topics.ts';

export const ENVELOPE_VERSION = 1;

/** The `to` of broadcasts. */
export const BROADCAST = '*';

export const MESSAGE_KINDS = ['request', 'reply', 'progress', 'event', 'error', 'cancel'] as const;
export const MessageKind = literalUnion(MESSAGE_KINDS);
export type MessageKind = Static<typeof MessageKind>;

const Identifier = Type.String({ pattern: IDENTIFIER_PATTERN });
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC time' });

/** The one JSON object every payload is (docs/protocol.md). */
export const Envelope = Type.Object(
  {
    v: Type.Literal(ENVELOPE_VERSION),
    id: Identifier,
    kind: MessageKind,
    from: Identifier,
    to: Type.String({ minLength: 1, maxLength: 64, description: "a module id, or '*' for broadcasts" }),
    conversationId: Identifier,
    seq: Type.Optional(Type.Integer({ minimum: 0 })),
    replyTo: Type.Optional(Type.String({ pattern: REPLY_TOPIC_PATTERN })),
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

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export type EnvelopeFields<B> = Pick<Envelope<B>, 'kind' | 'from' | 'to' | 'conversationId' | 'schema' | 'body'> &
  Partial<Pick<Envelope<B>, 'id' | 'seq' | 'replyTo' | 'correlationId' | 'deadline' | 'parentId' | 'sentAt'>>;

/** Fill in the envelope's bookkeeping fields; optional fields left undefined are omitted. */
export function createEnvelope<B>(fields: EnvelopeFields<B>): Envelope<B> {
  const envelope: Record<string, unknown> = { v: ENVELOPE_VERSION, id: fields.id ?? newId(), sentAt: fields.sentAt ?? new Date().toISOString() };
  // for...in, not Object.entries: every message on the bus is built here, and the entries arrays were its main cost.
  const source = fields as Record<string, unknown>;
  for (const key in source) {
    const value = source[key];
    if (value !== undefined) envelope[key] = value;
  }
  return envelope as Envelope<B>;
}

export function encodeEnvelope(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

export type EventFields<B> = Pick<Envelope<B>, 'from' | 'conversationId' | 'schema' | 'body'> & Partial<Pick<Envelope<B>, 'seq' | 'parentId'>>;

/** A broadcast (`kind: event`, `to: '*'`): cards, statuses, conversation and workflow events and states, dead letters. */
export function eventEnvelope<B>(fields: EventFields<B>): Envelope<B> {
  return createEnvelope<B>({ kind: 'event', to: BROADCAST, ...fields });
}
