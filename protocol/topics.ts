import { assertIdentifier } from './identifiers.ts';

/** Root of every topic; the protocol version lives here so a v2 can run beside v1. */
export const TOPIC_ROOT = 'comms/v1';

/** Topic builders for the map in ARCHITECTURE §2. Every id is checked, so no topic can be forged with '/' or '#'. */
export const Topics = {
  all: `${TOPIC_ROOT}/#`,
  moduleCard: (module: string) => `${TOPIC_ROOT}/modules/${assertIdentifier(module, 'module')}/card`,
  moduleStatus: (module: string) => `${TOPIC_ROOT}/modules/${assertIdentifier(module, 'module')}/status`,
  moduleInbox: (module: string) => `${TOPIC_ROOT}/modules/${assertIdentifier(module, 'module')}/inbox`,
  replies: (clientId: string) => `${TOPIC_ROOT}/replies/${assertIdentifier(clientId, 'clientId')}`,
  conversationEvents: (id: string) => `${TOPIC_ROOT}/conversations/${assertIdentifier(id, 'conversation id')}/events`,
  conversationState: (id: string) => `${TOPIC_ROOT}/conversations/${assertIdentifier(id, 'conversation id')}/state`,
  workflowEvents: (id: string) => `${TOPIC_ROOT}/workflows/${assertIdentifier(id, 'workflow id')}/events`,
  workflowState: (id: string) => `${TOPIC_ROOT}/workflows/${assertIdentifier(id, 'workflow id')}/state`,
  workflowControl: (id: string) => `${TOPIC_ROOT}/workflows/${assertIdentifier(id, 'workflow id')}/control`,
  deadletter: (module: string) => `${TOPIC_ROOT}/deadletter/${assertIdentifier(module, 'module')}`,
  /** Wildcard filters for watchers. */
  filters: {
    allCards: `${TOPIC_ROOT}/modules/+/card`,
    allStatus: `${TOPIC_ROOT}/modules/+/status`,
    allConversationEvents: `${TOPIC_ROOT}/conversations/+/events`,
    allConversationStates: `${TOPIC_ROOT}/conversations/+/state`,
    allWorkflowStates: `${TOPIC_ROOT}/workflows/+/state`,
    allDeadletters: `${TOPIC_ROOT}/deadletter/+`,
  },
} as const;

export type TopicKind =
  | 'module-card'
  | 'module-status'
  | 'module-inbox'
  | 'replies'
  | 'conversation-events'
  | 'conversation-state'
  | 'workflow-events'
  | 'workflow-state'
  | 'workflow-control'
  | 'deadletter';

export interface ParsedTopic {
  kind: TopicKind;
  /** The module, client, conversation or workflow id the topic is about. */
  subject: string;
}

const TOPIC_SHAPES: Array<[RegExp, TopicKind]> = [
  [/^comms\/v1\/modules\/([^/]+)\/card$/, 'module-card'],
  [/^comms\/v1\/modules\/([^/]+)\/status$/, 'module-status'],
  [/^comms\/v1\/modules\/([^/]+)\/inbox$/, 'module-inbox'],
  [/^comms\/v1\/replies\/([^/]+)$/, 'replies'],
  [/^comms\/v1\/conversations\/([^/]+)\/events$/, 'conversation-events'],
  [/^comms\/v1\/conversations\/([^/]+)\/state$/, 'conversation-state'],
  [/^comms\/v1\/workflows\/([^/]+)\/events$/, 'workflow-events'],
  [/^comms\/v1\/workflows\/([^/]+)\/state$/, 'workflow-state'],
  [/^comms\/v1\/workflows\/([^/]+)\/control$/, 'workflow-control'],
  [/^comms\/v1\/deadletter\/([^/]+)$/, 'deadletter'],
];

/** Classify a concrete topic; undefined for topics outside the map. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  for (const [shape, kind] of TOPIC_SHAPES) {
    const match = shape.exec(topic);
    if (match?.[1]) return { kind, subject: match[1] };
  }
  return undefined;
}
