import type { Database } from 'better-sqlite3';

export interface ReapReason {
  code: string;
  message: string;
}

/**
 * End, as `canceled`, the open conversations a requester can no longer drive, and every open
 * descendant (by parent_id): the requester went offline or lost (its Conversation objects died
 * with it), or came back as a new session (they died in the restart). Descendants asked by a
 * module that is still online are left to that module, whose cancel the recorder then records. `startedBefore` limits it
 * to conversations begun before that moment, so a new session's own conversations are left alone.
 * last_seq is kept: should the requester still be alive after all, its next event wins.
 * Returns the ids ended.
 */
export function reapConversations(db: Database, requester: string, reason: ReapReason, options: { at?: string; startedBefore?: string; replyTo?: string } = {}): string[] {
  const at = options.at ?? new Date().toISOString();
  return db.transaction(() => {
    const rows = db
      .prepare(
        `WITH RECURSIVE doomed(id) AS (
           SELECT id FROM conversations c WHERE requester = ? AND ended_at IS NULL AND (? IS NULL OR started_at < ?)
             -- Several processes may speak for one module name (each comms ask is a 'client'): only the conversations
             -- whose request named this connection's reply topic are its own (or those whose request was not recorded).
             AND (? IS NULL OR NOT EXISTS (SELECT 1 FROM messages m WHERE m.message_id = c.request_id)
                  OR EXISTS (SELECT 1 FROM messages m WHERE m.message_id = c.request_id AND json_extract(CAST(m.payload AS TEXT), '$.replyTo') = ?))
           UNION
           SELECT c.id FROM conversations c JOIN doomed d ON c.parent_id = d.id
           WHERE c.ended_at IS NULL
             -- A child asked by a module that is still online is canceled by that module (its handler's signal
             -- aborts, the cancel goes over the bus and is recorded); rows only stand in for modules that are gone.
             AND (c.requester IS NULL OR c.requester = ? OR NOT EXISTS (SELECT 1 FROM modules m WHERE m.name = c.requester AND m.status = 'online'))
         )
         SELECT id FROM doomed`,
      )
      .all(requester, options.startedBefore ?? null, options.startedBefore ?? null, options.replyTo ?? null, options.replyTo ?? null, requester) as Array<{ id: string }>;
    const end = db.prepare(
      `UPDATE conversations SET state = 'canceled', error_code = ?, error_message = ?, ended_at = ?, updated_at = ? WHERE id = ? AND ended_at IS NULL`,
    );
    for (const { id } of rows) end.run(reason.code, reason.message, at, at, id);
    return rows.map((r) => r.id);
  })();
}

/** The session a module last announced over this client id, as recorded in `modules` (undefined when unknown). */
export function recordedSession(db: Database, module: string, clientId: string): string | undefined {
  const row = db.prepare('SELECT session_id FROM modules WHERE name = ? AND client_id = ?').get(module, clientId) as { session_id: string | null } | undefined;
  return row?.session_id ?? undefined;
}
