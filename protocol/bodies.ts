import './formats.ts';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { Envelope } from './envelope.ts';
import { ErrorReply } from './errors.ts';
import { IDENTIFIER_PATTERN } from './identifiers.ts';
import { literalUnion } from './literal-union.ts';

/**
 * Bodies of the bus's own messages (cards, status, progress, errors, conversation events).
 * Module-specific query bodies live beside their module's protocol (e.g. protocol/pdf).
 */

export const ConversationStateName = literalUnion(['submitted', 'working', 'input-required', 'completed', 'failed', 'canceled', 'rejected', 'timed-out']);
export type ConversationStateName = Static<typeof ConversationStateName>;
export const FINAL_STATES: readonly ConversationStateName[] = ['completed', 'failed', 'canceled', 'rejected', 'timed-out'];

/** Sent by a responder to the requester's reply topic: accepted, progressing, or asking for input. */
export const ProgressReport = Type.Object(
  {
    percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    stage: Type.Optional(Type.String({ maxLength: 200 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    /** Responder asks for more time: the new absolute deadline. */
    extendDeadline: Type.Optional(Type.String({ format: 'date-time' })),
    /** Responder needs input before it can go on (A2A input-required). */
    inputRequired: Type.Optional(Type.Object({ prompt: Type.String(), schema: Type.Optional(Type.Unknown()) })),
    /** In the acknowledgement and each renewal: the responder renews at least this often while it works (docs/reliability.md). */
    leaseMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3_600_000 })),
    /** In the acknowledgement: the query may be run again after a responder restart. */
    idempotent: Type.Optional(Type.Boolean()),
  },
  { $id: 'progress@1' },
);
export type ProgressReport = Static<typeof ProgressReport>;

/**
 * The responder's plain "got it": news for the requester only. Any other progress makes a quiet
 * conversation public (docs/protocol.md, "Message budget of a conversation").
 */
export function isBareAck(report: ProgressReport): boolean {
  return report.stage === 'accepted' && !report.percent && !report.note && !report.inputRequired && !report.extendDeadline;
}

/** Body of cancel messages (`kind: cancel`, correlationId = the request id). */
export const CancelRequest = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { $id: 'cancel@1' });
export type CancelRequest = Static<typeof CancelRequest>;

/** Answer to an input-required progress (`kind: request`, correlationId = that progress message id). */
export const ConversationInput = Type.Object({ input: Type.Unknown() }, { $id: 'conversation.input@1' });
export type ConversationInput = Static<typeof ConversationInput>;

/** Events on comms/v1/conversations/{id}/events, one per lifecycle change or progress step. */
export const ConversationEvent = Type.Object(
  {
    type: literalUnion(['state', 'progress', 'attempt']),
    state: ConversationStateName,
    requester: Type.String(),
    responder: Type.String(),
    query: Type.String({ description: 'schema id of the request' }),
    requestId: Type.String(),
    attempt: Type.Integer({ minimum: 1 }),
    progress: Type.Optional(ProgressReport),
    error: Type.Optional(ErrorReply),
    result: Type.Optional(Type.Object({ schema: Type.String(), messageId: Type.String() })),
  },
  { $id: 'conversation.event@1' },
);
export type ConversationEvent = Static<typeof ConversationEvent>;

/**
 * The `completed` event a quiet conversation did not publish, told from the reply that ended it
 * (docs/protocol.md, "Message budget of a conversation"): `comms events` and `comms watch` show it.
 * A reader of the reply alone knows neither the query nor the attempt: it passes '' and 1.
 */
export function completedByReply(
  reply: Pick<Envelope, 'id' | 'schema'>,
  parties: { requester: string; responder: string; query: string; requestId: string; attempt: number },
): ConversationEvent {
  return { type: 'state', state: 'completed', ...parties, attempt: Math.max(1, parties.attempt), result: { schema: reply.schema, messageId: reply.id } };
}

/** Retained snapshot on comms/v1/conversations/{id}/state. */
export const ConversationSnapshot = Type.Object(
  {
    state: ConversationStateName,
    seq: Type.Integer({ minimum: 0 }),
    requester: Type.String(),
    responder: Type.String(),
    query: Type.String(),
    percent: Type.Number(),
    stage: Type.Optional(Type.String()),
    attempts: Type.Integer(),
    startedAt: Type.String(),
    updatedAt: Type.String(),
    parentId: Type.Optional(Type.String()),
    error: Type.Optional(ErrorReply),
  },
  { $id: 'conversation.state@1' },
);
export type ConversationSnapshot = Static<typeof ConversationSnapshot>;

export const ModuleStatus = Type.Object(
  {
    state: literalUnion(['online', 'offline', 'lost']),
    sessionId: Type.String(),
    clientId: Type.String({ pattern: IDENTIFIER_PATTERN, description: 'MQTT client id; its replies topic is built from it' }),
    at: Type.String({ format: 'date-time' }),
  },
  { $id: 'module.status@1' },
);
export type ModuleStatus = Static<typeof ModuleStatus>;

export const QueryDescriptor = Type.Object({
  schema: Type.String({ description: 'request schema id, e.g. pdf.requirements.query@1' }),
  description: Type.String(),
  requestSchema: Type.Unknown({ description: 'JSON Schema of the request body' }),
  responseSchemaId: Type.String(),
  responseSchema: Type.Unknown({ description: 'JSON Schema of the reply body' }),
  idempotent: Type.Optional(Type.Boolean({ description: 'running it twice is safe: re-sent after a responder restart' })),
});
export type QueryDescriptor = Static<typeof QueryDescriptor>;

/** Retained capability card on comms/v1/modules/{module}/card. */
export const ModuleCard = Type.Object(
  {
    name: Type.String(),
    version: Type.String(),
    description: Type.String(),
    queries: Type.Array(QueryDescriptor),
    backend: Type.Object({ kind: Type.String(), model: Type.Optional(Type.String()) }),
    clientId: Type.String({ pattern: IDENTIFIER_PATTERN, description: 'MQTT client id; its replies topic is built from it' }),
    startedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'module.card@1' },
);
export type ModuleCard = Static<typeof ModuleCard>;

/** What a module publishes to comms/v1/deadletter/{module} for a message it could not accept. */
export const DeadLetter = Type.Object(
  {
    reason: ErrorReply,
    topic: Type.String(),
    /** The first KiB of the original payload (all of it when shorter), as UTF-8 text where it is text, else base64. */
    payload: Type.String(),
    encoding: literalUnion(['utf8', 'base64']),
    /** Size of the whole original payload in bytes. */
    size: Type.Integer({ minimum: 0 }),
    /** sha256 of the whole original payload, hex: compare with what the sender kept. */
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    /** true when `payload` is only the beginning of the original. */
    truncated: Type.Boolean(),
    originalId: Type.Optional(Type.String()),
  },
  { $id: 'deadletter@1' },
);
export type DeadLetter = Static<typeof DeadLetter>;

/** The bus's own body schemas by schema id; ALL_SCHEMAS (all-schemas.ts) adds every module's. */
export const CORE_SCHEMAS: Record<string, TSchema> = {
  'error@1': ErrorReply,
  'progress@1': ProgressReport,
  'cancel@1': CancelRequest,
  'conversation.input@1': ConversationInput,
  'conversation.event@1': ConversationEvent,
  'conversation.state@1': ConversationSnapshot,
  'module.status@1': ModuleStatus,
  'module.card@1': ModuleCard,
  'deadletter@1': DeadLetter,
};
