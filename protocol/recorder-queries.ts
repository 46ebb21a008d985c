import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ConversationStateName } from './bodies.ts';

/** Ask the recorder for a conversation's events after the last seq a watcher saw. */
export const ConversationEventsQuery = Type.Object({ conversationId: Type.String(), afterSeq: Type.Integer({ minimum: 0, default: 0 }) }, { $id: 'conversation.events.query@1' });
export type ConversationEventsQuery = Static<typeof ConversationEventsQuery>;
export const ConversationEventsAnswer = Type.Object(
  {
    conversationId: Type.String(),
    events: Type.Array(
      Type.Object({
        seq: Type.Integer(),
        messageId: Type.String(),
        at: Type.String(),
        event: Type.Unknown(),
        /** Present when the event was not published but told from the reply that ended a quiet conversation. */
        derivedFrom: Type.Optional(Type.Literal('reply')),
      }),
    ),
  },
  { $id: 'conversation.events@1' },
);
export type ConversationEventsAnswer = Static<typeof ConversationEventsAnswer>;

export const ConversationStatusQuery = Type.Object({ conversationId: Type.String() }, { $id: 'conversation.status.query@1' });
export type ConversationStatusQuery = Static<typeof ConversationStatusQuery>;
export const ConversationStatusAnswer = Type.Object(
  {
    id: Type.String(),
    state: Type.String(),
    percent: Type.Number(),
    stage: Type.Union([Type.String(), Type.Null()]),
    requester: Type.Union([Type.String(), Type.Null()]),
    responder: Type.Union([Type.String(), Type.Null()]),
    query: Type.Union([Type.String(), Type.Null()]),
    attempts: Type.Integer(),
    lastSeq: Type.Integer(),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    startedAt: Type.String(),
    updatedAt: Type.String(),
    endedAt: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'conversation.status@1', additionalProperties: true },
);
export type ConversationStatusAnswer = Static<typeof ConversationStatusAnswer>;

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** One page of recorded conversations, newest first, for history views (the dashboard pages through these). */
export const ConversationListQuery = Type.Object(
  {
    /** Requester or responder. */
    module: Type.Optional(Type.String({ maxLength: 64 })),
    state: Type.Optional(ConversationStateName),
    /** Case-insensitive substring of the id, query, stage, requester, responder or error code. */
    text: Type.Optional(Type.String({ maxLength: 200 })),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 25 }),
  },
  { $id: 'conversation.list.query@1', additionalProperties: false },
);
export type ConversationListQuery = Static<typeof ConversationListQuery>;
export const ConversationListItem = Type.Object({
  id: Type.String(),
  state: Type.String(),
  percent: Type.Number(),
  stage: Nullable(Type.String()),
  requester: Nullable(Type.String()),
  responder: Nullable(Type.String()),
  query: Nullable(Type.String()),
  parentId: Nullable(Type.String()),
  attempts: Type.Integer(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  startedAt: Type.String(),
  updatedAt: Type.String(),
  endedAt: Nullable(Type.String()),
});
export type ConversationListItem = Static<typeof ConversationListItem>;
export const ConversationListAnswer = Type.Object(
  { total: Type.Integer({ minimum: 0 }), offset: Type.Integer({ minimum: 0 }), conversations: Type.Array(ConversationListItem) },
  { $id: 'conversation.list@1' },
);
export type ConversationListAnswer = Static<typeof ConversationListAnswer>;

/** Counters of the recorder's database, for rate strips: a watcher derives messages/s from two answers. */
export const RecorderStatsQuery = Type.Object({}, { $id: 'recorder.stats.query@1', additionalProperties: false });
export type RecorderStatsQuery = Static<typeof RecorderStatsQuery>;
export const RecorderStatsAnswer = Type.Object(
  {
    /** When the counters were read (recorder clock). */
    at: Type.String(),
    messages: Type.Object({ total: Type.Integer(), invalid: Type.Integer(), bytes: Type.Integer() }),
    conversations: Type.Object({ total: Type.Integer(), open: Type.Integer(), byState: Type.Record(Type.String(), Type.Integer()), meanDurationMs: Nullable(Type.Number()) }),
    deadLetters: Type.Integer(),
  },
  { $id: 'recorder.stats@1' },
);
export type RecorderStatsAnswer = Static<typeof RecorderStatsAnswer>;

/** The recorder's queries and answers, by schema id (part of ALL_SCHEMAS). */
export const RECORDER_QUERY_SCHEMAS: Record<string, TSchema> = {
  'conversation.events.query@1': ConversationEventsQuery,
  'conversation.events@1': ConversationEventsAnswer,
  'conversation.status.query@1': ConversationStatusQuery,
  'conversation.status@1': ConversationStatusAnswer,
  'conversation.list.query@1': ConversationListQuery,
  'conversation.list@1': ConversationListAnswer,
  'recorder.stats.query@1': RecorderStatsQuery,
  'recorder.stats@1': RecorderStatsAnswer,
};

/** The schema ids of requests the recorder answers: read-only, so the operator role may send them. */
export const RECORDER_QUERY_IDS: readonly string[] = Object.keys(RECORDER_QUERY_SCHEMAS).filter((id) => id.includes('.query@'));
