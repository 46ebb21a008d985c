import type { CommsQueries, ConversationStatus } from '../../storage/index.ts';
import {
  ConversationListAnswer,
  ConversationListQuery,
  RecorderStatsAnswer,
  RecorderStatsQuery,
  RECORDER_QUERY_IDS,
  type ConversationListItem,
  FINAL_STATES,
  type ConversationStateName,
} from '../../protocol/index.ts';
import { defineQuery } from '../runtime/index.ts';


function toListItem(status: ConversationStatus): ConversationListItem {
  const { id, state, percent, stage, requester, responder, query, parentId, attempts, error, startedAt, updatedAt, endedAt } = status;
  return { id, state, percent, stage, requester, responder, query, parentId, attempts, error: error ? { code: error.code, message: error.message } : null, startedAt, updatedAt, endedAt };
}

/** Pages of the conversation history; the recorder's own history queries are left out (they are bookkeeping, not work). */
export function conversationListQuery(queries: CommsQueries) {
  return defineQuery({
    schema: 'conversation.list.query@1',
    description: 'One page of recorded conversations, newest first, filtered by module, state and text, with the total.',
    request: ConversationListQuery,
    responseSchemaId: 'conversation.list@1',
    response: ConversationListAnswer,
    handle: async (filter) => {
      const page = queries.listConversationPage({ ...filter, excludeQueries: RECORDER_QUERY_IDS });
      return { total: page.total, offset: filter.offset, conversations: page.conversations.map(toListItem) };
    },
  });
}

/** Counters for rate strips (messages, open conversations, dead letters). */
export function recorderStatsQuery(queries: CommsQueries) {
  return defineQuery({
    schema: 'recorder.stats.query@1',
    description: 'Message, conversation and dead-letter counters of the recorded history, with the time they were read.',
    request: RecorderStatsQuery,
    responseSchemaId: 'recorder.stats@1',
    response: RecorderStatsAnswer,
    handle: async () => {
      const stats = queries.getStats();
      const { byState, total, meanDurationMs } = stats.conversations;
      const open = Object.entries(byState).reduce((sum, [state, n]) => (FINAL_STATES.includes(state as ConversationStateName) ? sum : sum + n), 0);
      return {
        at: new Date().toISOString(),
        messages: { total: stats.messages.total, invalid: stats.messages.invalid, bytes: stats.messages.bytes },
        conversations: { total, open, byState, meanDurationMs },
        deadLetters: stats.deadLetters,
      };
    },
  });
}
