import type { Database, Statement } from 'better-sqlite3';

/** Stands for the row's conversation id in an interned topic name; never part of a published topic (a wildcard). */
export const CONVERSATION_IN_TOPIC = '+';

/** Entries kept per cache before it starts over: bounds memory, not correctness (a miss is one indexed upsert). */
const CACHE_LIMIT = 20_000;

/**
 * Interns topic names and conversation ids for `message_log` (docs/storage.md, Tables), so a row
 * carries two small integers instead of ~90 bytes of text. A topic that contains the message's
 * conversation id (its events, state) is interned with `+` in its place, so all conversations
 * share a handful of names. The caches are only hints of committed rows: `forget()` after a
 * rollback or a prune.
 */
export class LogKeys {
  private readonly topics = new Map<string, number>();
  private readonly conversations = new Map<string, number>();
  private readonly upsertTopic: Statement<[string], number>;
  private readonly upsertConversation: Statement<[string], number>;

  constructor(db: Database) {
    this.upsertTopic = db.prepare<[string], number>('INSERT INTO topics (name) VALUES (?) ON CONFLICT(name) DO UPDATE SET name = name RETURNING id').pluck();
    this.upsertConversation = db.prepare<[string], number>('INSERT INTO conversation_keys (id) VALUES (?) ON CONFLICT(id) DO UPDATE SET id = id RETURNING n').pluck();
  }

  topic(topic: string, conversationId: string | null): number {
    const name = conversationId && topic.includes(conversationId) ? topic.replace(conversationId, CONVERSATION_IN_TOPIC) : topic;
    return cached(this.topics, name, this.upsertTopic);
  }

  conversation(id: string): number {
    return cached(this.conversations, id, this.upsertConversation);
  }

  forget(): void {
    this.topics.clear();
    this.conversations.clear();
  }
}

function cached(cache: Map<string, number>, key: string, upsert: Statement<[string], number>): number {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  const id = upsert.get(key) as number;
  cache.set(key, id);
  return id;
}

/** The topic a row was published on, from its interned name and conversation id. */
export function topicOf(name: string, conversationId: string | null): string {
  return conversationId !== null && name.includes(CONVERSATION_IN_TOPIC) ? name.replace(CONVERSATION_IN_TOPIC, conversationId) : name;
}
