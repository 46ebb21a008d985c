import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Ask the recorder for a conversation's events after the last seq a watcher saw. */
export const ConversationEventsQuery = Type.Object({ conversationId: Type.String(), afterSeq: Type.Integer({ minimum: 0, default: 0 }) }, { $id: 'conversation.events.query@1' });
export type ConversationEventsQuery = Static<typeof ConversationEventsQuery>;
export const ConversationEventsAnswer = Type.Object(
  { conversationId: Type.String(), events: Type.Array(Type.Object({ seq: Type.Integer(), messageId: Type.String(), at: Type.String(), event: Type.Unknown() })) },
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

/** The recorder's queries and answers, by schema id (part of ALL_SCHEMAS). */
export const RECORDER_QUERY_SCHEMAS: Record<string, TSchema> = {
  'conversation.events.query@1': ConversationEventsQuery,
  'conversation.events@1': ConversationEventsAnswer,
  'conversation.status.query@1': ConversationStatusQuery,
  'conversation.status@1': ConversationStatusAnswer,
};
