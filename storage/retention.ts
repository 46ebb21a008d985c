import type { Database } from 'better-sqlite3';

export interface RetentionPolicy {
  /** Delete messages, and conversations and workflows that ended, older than this. */
  maxAgeMs?: number;
  /** Keep the pages in use under this many bytes by deleting the oldest records first (freed pages are reused; the file does not shrink without VACUUM). */
  maxBytes?: number;
}

export interface PruneResult {
  messages: number;
  conversations: number;
  workflows: number;
}

/** Under the size limit by this much after a size prune, so the next one is not due at the next message. */
const SIZE_HEADROOM = 0.8;

/**
 * Keeps the database bounded by age and by size (docs/storage.md, Retention). Open conversations
 * are never pruned, whatever their age: their history is what a reconnecting watcher needs. Call
 * through MessageRecorder.prune when a recorder writes the same database (it forgets interned keys).
 */
export function pruneRecords(db: Database, policy: RetentionPolicy, now = Date.now()): PruneResult {
  const total: PruneResult = { messages: 0, conversations: 0, workflows: 0 };
  const add = (r: PruneResult) => ((total.messages += r.messages), (total.conversations += r.conversations), (total.workflows += r.workflows));
  if (policy.maxAgeMs !== undefined) add(pruneBefore(db, now - policy.maxAgeMs));
  if (policy.maxBytes !== undefined) {
    for (let round = 0; round < 4 && usedBytes(db) > policy.maxBytes; round++) {
      const cutoff = sizeCutoff(db, 1 - (SIZE_HEADROOM * policy.maxBytes) / usedBytes(db));
      if (cutoff === undefined) break;
      const removed = pruneBefore(db, cutoff);
      add(removed);
      if (removed.messages + removed.conversations + removed.workflows === 0) break; // only open conversations left
    }
  }
  return total;
}

/** Bytes in pages that hold data (the file minus its free pages). */
export function usedBytes(db: Database): number {
  const pages = (db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number);
  return pages * (db.pragma('page_size', { simple: true }) as number);
}

/** The receive time (ms) up to which the oldest `fraction` of the messages lie: a size limit becomes an age. */
function sizeCutoff(db: Database, fraction: number): number | undefined {
  const count = db.prepare('SELECT COUNT(*) FROM message_log').pluck().get() as number;
  if (count === 0) return undefined;
  const offset = Math.min(count - 1, Math.max(0, Math.ceil(count * fraction) - 1));
  const at = db.prepare('SELECT received_at FROM message_log ORDER BY seq LIMIT 1 OFFSET ?').pluck().get(offset) as number | undefined;
  return at === undefined ? undefined : at + 1;
}

/**
 * The last seq received before `cutoffMs`, by bisection: seq is the arrival order, so receive times
 * grow with it, and no index on received_at is needed.
 */
function lastSeqBefore(db: Database, cutoffMs: number): number {
  const first = db.prepare('SELECT seq, received_at FROM message_log WHERE seq >= ? ORDER BY seq LIMIT 1');
  let lo = 0;
  let hi = ((db.prepare('SELECT MAX(seq) FROM message_log').pluck().get() as number | null) ?? 0) + 1;
  while (lo + 1 < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const row = first.get(mid) as { seq: number; received_at: number } | undefined;
    if (row && row.seq < hi && row.received_at < cutoffMs) lo = row.seq;
    else hi = mid;
  }
  return lo;
}

/**
 * In one transaction: the conversations that ended before the cutoff with their event rows, then
 * the messages received before it except those of a conversation still kept (open, or ended
 * later: its events are its messages), then interned ids nothing uses and ended workflows.
 */
function pruneBefore(db: Database, cutoffMs: number): PruneResult {
  const cutoff = new Date(cutoffMs).toISOString();
  return db.transaction(() => {
    const ended = db.prepare('SELECT id FROM conversations WHERE ended_at IS NOT NULL AND ended_at < ?').pluck().all(cutoff) as string[];
    const dropEvents = db.prepare('DELETE FROM conversation_log WHERE conv = (SELECT n FROM conversation_keys WHERE id = ?)');
    const dropConversation = db.prepare('DELETE FROM conversations WHERE id = ?');
    for (const id of ended) {
      dropEvents.run(id);
      dropConversation.run(id);
    }
    const messages = db
      .prepare('DELETE FROM message_log WHERE seq <= ? AND (conv IS NULL OR conv NOT IN (SELECT k.n FROM conversations c JOIN conversation_keys k ON k.id = c.id))')
      .run(lastSeqBefore(db, cutoffMs)).changes;
    // Interned ids nothing points at any more (the recorder forgets its cache after a prune).
    db.prepare(
      `DELETE FROM conversation_keys WHERE NOT EXISTS (SELECT 1 FROM message_log l WHERE l.conv = conversation_keys.n)
         AND NOT EXISTS (SELECT 1 FROM conversation_log e WHERE e.conv = conversation_keys.n)`,
    ).run();
    // Workflows that ended go the same way; a running or paused one is kept whatever its age.
    db.prepare('DELETE FROM workflow_steps WHERE workflow_id IN (SELECT id FROM workflows WHERE ended_at IS NOT NULL AND ended_at < ?)').run(cutoff);
    const workflows = db.prepare('DELETE FROM workflows WHERE ended_at IS NOT NULL AND ended_at < ?').run(cutoff).changes;
    return { messages, conversations: ended.length, workflows };
  })();
}
