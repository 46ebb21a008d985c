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
  if (policy.maxAgeMs !== undefined) {
    const cutoff = now - policy.maxAgeMs;
    add(pruneThrough(db, lastSeqBefore(db, cutoff), new Date(cutoff).toISOString()));
  }
  if (policy.maxBytes !== undefined) {
    for (let round = 0; round < 4 && usedBytes(db) > policy.maxBytes; round++) {
      const cut = sizeCut(db, 1 - (SIZE_HEADROOM * policy.maxBytes) / usedBytes(db));
      if (cut === undefined) break;
      const removed = pruneThrough(db, cut, undefined);
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

/** The seq through which the oldest `fraction` of the messages lie. */
function sizeCut(db: Database, fraction: number): number | undefined {
  const count = db.prepare('SELECT COUNT(*) FROM message_log').pluck().get() as number;
  if (count === 0) return undefined;
  const offset = Math.min(count - 1, Math.max(0, Math.ceil(count * fraction) - 1));
  return db.prepare('SELECT seq FROM message_log ORDER BY seq LIMIT 1 OFFSET ?').pluck().get(offset) as number | undefined;
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
 * Deletes the messages through `cutSeq` except those of open conversations, then the ended
 * conversations: those that ended before `endedBefore` (age), or, by size, those none of whose
 * messages are left. Workflows go by `endedBefore`, or by the receive time of the last message cut.
 */
function pruneThrough(db: Database, cutSeq: number, endedBefore: string | undefined): PruneResult {
  return db.transaction(() => {
    const workflowCutoff = endedBefore ?? cutTime(db, cutSeq);
    const messages = db
      .prepare(
        `DELETE FROM message_log WHERE seq <= ? AND (conv IS NULL OR conv NOT IN
           (SELECT k.n FROM conversations c JOIN conversation_keys k ON k.id = c.id WHERE c.ended_at IS NULL))`,
      )
      .run(cutSeq).changes;
    const ended = (
      endedBefore !== undefined
        ? db.prepare('SELECT id FROM conversations WHERE ended_at IS NOT NULL AND ended_at < ?').pluck().all(endedBefore)
        : db
            .prepare(
              `SELECT c.id FROM conversations c LEFT JOIN conversation_keys k ON k.id = c.id
               WHERE c.ended_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM message_log l WHERE l.conv = k.n)`,
            )
            .pluck()
            .all()
    ) as string[];
    const dropEvents = db.prepare('DELETE FROM conversation_log WHERE conv = (SELECT n FROM conversation_keys WHERE id = ?)');
    const dropConversation = db.prepare('DELETE FROM conversations WHERE id = ?');
    for (const id of ended) {
      dropEvents.run(id);
      dropConversation.run(id);
    }
    // Interned ids nothing points at any more (the recorder forgets its cache after a prune).
    db.prepare(
      `DELETE FROM conversation_keys WHERE NOT EXISTS (SELECT 1 FROM message_log l WHERE l.conv = conversation_keys.n)
         AND NOT EXISTS (SELECT 1 FROM conversation_log e WHERE e.conv = conversation_keys.n)`,
    ).run();
    // Workflows that ended go the same way; a running or paused one is kept whatever its age.
    db.prepare('DELETE FROM workflow_steps WHERE workflow_id IN (SELECT id FROM workflows WHERE ended_at IS NOT NULL AND ended_at < ?)').run(workflowCutoff);
    const workflows = db.prepare('DELETE FROM workflows WHERE ended_at IS NOT NULL AND ended_at < ?').run(workflowCutoff).changes;
    return { messages, conversations: ended.length, workflows };
  })();
}

/** ISO receive time of the newest message at or before `cutSeq`, or the epoch. */
function cutTime(db: Database, cutSeq: number): string {
  const at = db.prepare('SELECT MAX(received_at) FROM message_log WHERE seq <= ?').pluck().get(cutSeq) as number | null;
  return new Date(at === null ? 0 : at).toISOString();
}
