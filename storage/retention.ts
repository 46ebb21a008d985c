import type { Database } from 'better-sqlite3';

export interface RetentionPolicy {
  /** Delete messages, and conversations and workflows that ended, older than this. */
  maxAgeMs: number;
}

/**
 * Keeps the database from growing without bound. Open conversations are never pruned, whatever
 * their age: their history is what a reconnecting watcher needs.
 */
export function pruneRecords(db: Database, policy: RetentionPolicy, now = Date.now()): { messages: number; conversations: number; workflows: number } {
  const cutoff = new Date(now - policy.maxAgeMs).toISOString();
  return db.transaction(() => {
    const ended = db.prepare('SELECT id FROM conversations WHERE ended_at IS NOT NULL AND ended_at < ?').all(cutoff) as Array<{ id: string }>;
    const dropEvents = db.prepare('DELETE FROM conversation_events WHERE conversation_id = ?');
    const dropConversation = db.prepare('DELETE FROM conversations WHERE id = ?');
    for (const { id } of ended) {
      dropEvents.run(id);
      dropConversation.run(id);
    }
    const messages = db
      .prepare('DELETE FROM messages WHERE received_at < ? AND (conversation_id IS NULL OR conversation_id NOT IN (SELECT id FROM conversations WHERE ended_at IS NULL))')
      .run(cutoff).changes;
    // Workflows that ended go the same way; a running or paused one is kept whatever its age.
    db.prepare('DELETE FROM workflow_steps WHERE workflow_id IN (SELECT id FROM workflows WHERE ended_at IS NOT NULL AND ended_at < ?)').run(cutoff);
    const workflows = db.prepare('DELETE FROM workflows WHERE ended_at IS NOT NULL AND ended_at < ?').run(cutoff).changes;
    return { messages, conversations: ended.length, workflows };
  })();
}
