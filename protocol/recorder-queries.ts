import { Type } from '@sinclair/typebox';

/** Ask the recorder for a conversation's events after the last seq a watcher saw. */
export const ConversationEventsQuery = Type.Object({ conversationId: Type.String(), afterSeq: Type.Integer({ minimum: 0, default: 0 }) }, { $id: 'conversation.events.query@1' });
export const ConversationEventsAnswer = Type.Object(
  { conversationId: Type.String(), events: Type.Array(Type.Object({ seq: Type.Integer(), messageId: Type.String(), at: Type.String(), event: Type.Unknown() })) },
  { $id: 'conversation.events@1' },
);

export const ConversationStatusQuery = Type.Object({ conversationId: Type.String() }, { $id: 'conversation.status.query@1' });
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
