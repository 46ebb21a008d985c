import { assertIdentifier } from './identifiers.ts';

/** Root of every topic; the protocol version lives here so a v2 can run beside v1. */
export const TOPIC_ROOT = 'comms/v1';

/**
 * The topic map (docs/protocol.md): every topic the bus uses, with its one `{placeholder}`. Builders,
 * wildcard filters, the classifier and the AsyncAPI channel addresses are all derived from it, so no
 * other file spells a topic.
 */
export const TOPIC_TEMPLATES = {
  moduleCard: `${TOPIC_ROOT}/modules/{module}/card`,
  moduleStatus: `${TOPIC_ROOT}/modules/{module}/status`,
  moduleInbox: `${TOPIC_ROOT}/modules/{module}/inbox`,
  replies: `${TOPIC_ROOT}/replies/{clientId}`,
  conversationEvents: `${TOPIC_ROOT}/conversations/{id}/events`,
  conversationState: `${TOPIC_ROOT}/conversations/{id}/state`,
  workflowEvents: `${TOPIC_ROOT}/workflows/{id}/events`,
  workflowState: `${TOPIC_ROOT}/workflows/{id}/state`,
  workflowControl: `${TOPIC_ROOT}/workflows/{id}/control`,
  deadletter: `${TOPIC_ROOT}/deadletter/{module}`,
  /** One replica's own presence (docs/scaling.md): its last will goes here, so one lost replica never marks the module lost. */
  replicaStatus: `${TOPIC_ROOT}/replicas/{clientId}/status`,
} as const;
export type TopicName = keyof typeof TOPIC_TEMPLATES;

/** Filters starting with this are shared subscriptions: `$share/{group}/{filter}`. */
export const SHARED_SUBSCRIPTION_PREFIX = '$share/';

const PLACEHOLDER = /\{(\w+)\}/;

/** Each template split once around its placeholder: topics are built per message, so no regex runs then. */
const SPLIT = Object.fromEntries(
  (Object.keys(TOPIC_TEMPLATES) as TopicName[]).map((name) => {
    const template = TOPIC_TEMPLATES[name];
    const match = PLACEHOLDER.exec(template);
    const at = match?.index ?? template.length;
    return [name, { before: template.slice(0, at), after: template.slice(at + (match?.[0].length ?? 0)), param: match?.[1] ?? 'id' }];
  }),
) as Record<TopicName, { before: string; after: string; param: string }>;

/** The template with its placeholder filled; the id is checked, so no topic can be forged with '/' or '#'. */
function fill(name: TopicName, id: string): string {
  const { before, after, param } = SPLIT[name];
  return before + assertIdentifier(id, param) + after;
}

/** The template as a filter matching every topic of that kind. */
function anyOf(name: TopicName): string {
  return TOPIC_TEMPLATES[name].replace(PLACEHOLDER, '+');
}

/** Topic builders and wildcard filters. */
export const Topics = {
  all: `${TOPIC_ROOT}/#`,
  /** Every topic of the bus starts with this. */
  prefix: `${TOPIC_ROOT}/`,
  /** Every dead-letter topic starts with this (for prefix queries over recorded topics). */
  deadLetterPrefix: `${TOPIC_ROOT}/deadletter/`,
  moduleCard: (module: string) => fill('moduleCard', module),
  moduleStatus: (module: string) => fill('moduleStatus', module),
  moduleInbox: (module: string) => fill('moduleInbox', module),
  replies: (clientId: string) => fill('replies', clientId),
  conversationEvents: (id: string) => fill('conversationEvents', id),
  conversationState: (id: string) => fill('conversationState', id),
  workflowEvents: (id: string) => fill('workflowEvents', id),
  workflowState: (id: string) => fill('workflowState', id),
  workflowControl: (id: string) => fill('workflowControl', id),
  deadletter: (module: string) => fill('deadletter', module),
  replicaStatus: (clientId: string) => fill('replicaStatus', clientId),
  /** Wildcard filters for watchers. */
  filters: {
    allCards: anyOf('moduleCard'),
    allStatus: anyOf('moduleStatus'),
    allConversationEvents: anyOf('conversationEvents'),
    allConversationStates: anyOf('conversationState'),
    allWorkflowStates: anyOf('workflowState'),
    allWorkflowControls: anyOf('workflowControl'),
    allDeadletters: anyOf('deadletter'),
    /** Every reply topic: watchers see here the end of a quiet conversation, which publishes no event. */
    allReplies: anyOf('replies'),
    allReplicaStatus: anyOf('replicaStatus'),
    /** Everything about conversations (events and states). */
    conversations: `${TOPIC_ROOT}/conversations/#`,
    /** Everything about workflows (events, states and control). */
    workflows: `${TOPIC_ROOT}/workflows/#`,
  },
} as const;

/**
 * A module's inbox as an MQTT shared subscription filter, `$share/{module}/...inbox` (mosquitto 2.x,
 * also for MQTT 3.1.1 clients): the broker hands each request to one replica holding it, with the
 * plain inbox topic. A subscription filter, not a topic: nothing is published to it.
 */
export function sharedInbox(module: string): string {
  return `${SHARED_SUBSCRIPTION_PREFIX}${assertIdentifier(module, 'module')}/${fill('moduleInbox', module)}`;
}

/** Pattern of a reply topic, for the envelope's `replyTo`. */
export const REPLY_TOPIC_PATTERN = `^${TOPIC_TEMPLATES.replies.replace(PLACEHOLDER, '[a-z0-9][a-z0-9_.-]{0,63}')}$`;

/** A topic name in kebab case: moduleCard -> module-card. */
type Kebab<S extends string> = S extends `${infer Head}${infer Tail}` ? `${Head extends Lowercase<Head> ? Head : `-${Lowercase<Head>}`}${Kebab<Tail>}` : S;
export type TopicKind = Kebab<TopicName>;

export interface ParsedTopic {
  kind: TopicKind;
  /** The module, client, conversation or workflow id the topic is about. */
  subject: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const TOPIC_SHAPES: Array<[RegExp, TopicKind]> = (Object.keys(TOPIC_TEMPLATES) as TopicName[]).map((name) => {
  const [before, after] = TOPIC_TEMPLATES[name].split(PLACEHOLDER.exec(TOPIC_TEMPLATES[name])?.[0] ?? '');
  const kind = name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) as TopicKind;
  return [new RegExp(`^${escapeRegExp(before ?? '')}([^/]+)${escapeRegExp(after ?? '')}$`), kind];
});

/** Classify a concrete topic; undefined for topics outside the map. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  for (const [shape, kind] of TOPIC_SHAPES) {
    const match = shape.exec(topic);
    if (match?.[1]) return { kind, subject: match[1] };
  }
  return undefined;
}

/**
 * The only topic kinds whose messages may be retained, each by its owner (docs/security.md, "Every
 * party checks who speaks"): what a late subscriber needs first. Requests, replies and events never are.
 */
export const RETAINABLE_TOPIC_KINDS: ReadonlySet<TopicKind> = new Set<TopicKind>(['module-card', 'module-status', 'replica-status', 'conversation-state', 'workflow-state']);
