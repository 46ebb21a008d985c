import type { Database, Statement } from 'better-sqlite3';
import { Topics, type ModuleStatus } from '../protocol/index.ts';

export interface ReapReason {
  code: string;
  message: string;
}

export interface ReapOptions {
  at?: string;
  startedBefore?: string;
  replyTo?: string;
}

/**
 * Every conversation ends, even when its requester cannot end it (docs/storage.md, Conversations a
 * requester cannot end). Runs inside the recorder's transaction for each module status, with the
 * envelope it already decoded: `lost` (the will) or `offline` ends the connection's open
 * conversations and their open descendants as canceled / E_PEER_LOST; `online` with a session
 * other than the one recorded for the same client id (a restart) ends those begun before it.
 * Only the conversations whose request named that connection's reply topic are touched: several
 * processes may share a module name. last_seq is kept, so should the requester still be alive its
 * next event wins.
 */
export class ConversationReaper {
  private readonly doomed: Statement;
  private readonly end: Statement;
  private readonly session: Statement<[string, string], { session_id: string | null }>;

  constructor(db: Database) {
    this.doomed = db.prepare(
      `WITH RECURSIVE doomed(id) AS (
         SELECT id FROM conversations c WHERE requester = @requester AND ended_at IS NULL AND (@before IS NULL OR started_at < @before)
           -- Several processes may speak for one module name (each comms ask is a 'client'): only the conversations
           -- whose request named this connection's reply topic are its own (or those whose request was not recorded).
           AND (@replyTo IS NULL OR c.reply_to IS NULL OR c.reply_to = @replyTo)
         UNION
         SELECT c.id FROM conversations c JOIN doomed d ON c.parent_id = d.id
         WHERE c.ended_at IS NULL
           -- A child asked by a module that is still online is canceled by that module (its handler's signal
           -- aborts, the cancel goes over the bus and is recorded); rows only stand in for modules that are gone.
           AND (c.requester IS NULL OR c.requester = @requester OR NOT EXISTS (SELECT 1 FROM modules m WHERE m.name = c.requester AND m.status = 'online'))
       )
       SELECT id FROM doomed`,
    );
    this.doomed.pluck();
    this.end = db.prepare(`UPDATE conversations SET state = 'canceled', error_code = ?, error_message = ?, ended_at = ?, updated_at = ? WHERE id = ? AND ended_at IS NULL`);
    this.session = db.prepare('SELECT session_id FROM modules WHERE name = ? AND client_id = ?');
  }

  /** What a module's status ends; call before the status itself is applied (a restart compares with the recorded session). */
  onStatus(module: string, status: ModuleStatus, at: string): string[] {
    const replyTo = Topics.replies(status.clientId);
    if (status.state === 'lost' || status.state === 'offline') {
      return this.reap(module, { code: 'E_PEER_LOST', message: `requester ${module} went ${status.state}; its conversation cannot continue.` }, { at, replyTo });
    }
    const previous = this.session.get(module, status.clientId)?.session_id;
    if (status.state === 'online' && previous && previous !== status.sessionId) {
      return this.reap(module, { code: 'E_PEER_LOST', message: `requester ${module} restarted; its conversation did not survive.` }, { at, startedBefore: status.at, replyTo });
    }
    return [];
  }

  /** End, as `canceled`, the open conversations of `requester` (see the class comment); returns the ids ended. */
  reap(requester: string, reason: ReapReason, options: ReapOptions = {}): string[] {
    const at = options.at ?? new Date().toISOString();
    const ids = this.doomed.all({ requester, before: options.startedBefore ?? null, replyTo: options.replyTo ?? null }) as string[];
    for (const id of ids) this.end.run(reason.code, reason.message, at, at, id);
    return ids;
  }
}

/** One-off form of ConversationReaper.reap, in its own transaction. */
export function reapConversations(db: Database, requester: string, reason: ReapReason, options: ReapOptions = {}): string[] {
  const reaper = new ConversationReaper(db);
  return db.transaction(() => reaper.reap(requester, reason, options))();
}
