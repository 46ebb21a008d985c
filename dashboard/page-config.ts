import { RECORDER_QUERY_IDS, TOPIC_TEMPLATES, Topics } from '../protocol/index.ts';

/**
 * What the browser page needs from the wire contract, served as config.json: the browser JS cannot
 * import protocol/, so the topic filters and templates come from the topic map here instead of
 * being written a second time in app.js.
 */
export interface PageConfig {
  wsUrl: string;
  /** The broker checks logins: the page shows its login form. */
  secured: boolean;
  /** Module name of the recorder (history and stats queries). */
  recorder: string;
  /** Filters the page subscribes to. */
  subscribe: { cards: string; statuses: string; conversationStates: string; conversationEvents: string; replies: string; workflowStates: string };
  /** Templates with one `{placeholder}`: the page fills in a workflow id, the recorder's name or its client id. */
  templates: { workflowControl: string; moduleInbox: string; replies: string };
  /** Schema ids the page sends. */
  schemas: { recorderQueries: readonly string[]; workflowControl: string };
}

export function pageConfig(options: { wsUrl: string; secured: boolean; recorder: string }): PageConfig {
  const f = Topics.filters;
  return {
    ...options,
    subscribe: {
      cards: f.allCards,
      statuses: f.allStatus,
      conversationStates: f.allConversationStates,
      conversationEvents: f.allConversationEvents,
      // A quiet conversation publishes no event when its reply ends it (docs/protocol.md): the reply shows it.
      replies: f.allReplies,
      workflowStates: f.allWorkflowStates,
    },
    templates: { workflowControl: TOPIC_TEMPLATES.workflowControl, moduleInbox: TOPIC_TEMPLATES.moduleInbox, replies: TOPIC_TEMPLATES.replies },
    schemas: { recorderQueries: RECORDER_QUERY_IDS, workflowControl: 'workflow.control@1' },
  };
}
