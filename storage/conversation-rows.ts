import type { Database, Statement } from 'better-sqlite3';
import { FINAL_STATES, type ConversationEvent, type Envelope } from '../protocol/index.ts';

/**
 * The `conversations` row and the event index of each conversation. An event row is only
 * `(conv, seq) -> message_seq`: its body is the recorded message itself, stored once.
 */
export class ConversationRows {
  private readonly insertEvent: Statement;
  private readonly upsertFromEvent: Statement;
  private readonly insertRequested: Statement;
  private readonly setResult: Statement;

  constructor(db: Database) {
    this.insertEvent = db.prepare('INSERT OR IGNORE INTO conversation_log (conv, seq, message_seq) VALUES (?, ?, ?)');
    // Events may arrive out of order after a reconnect: only a higher seq moves the row forward.
    this.upsertFromEvent = db.prepare(`
      INSERT INTO conversations (id, requester, responder, query, parent_id, request_id, state, percent, stage, attempts, last_seq,
        error_code, error_message, result_message_id, started_at, updated_at, ended_at)
      VALUES (@id, @requester, @responder, @query, @parentId, @requestId, @state, @percent, @stage, @attempts, @seq,
        @errorCode, @errorMessage, @resultMessageId, @at, @at, @endedAt)
      ON CONFLICT(id) DO UPDATE SET
        requester = excluded.requester, responder = excluded.responder, query = excluded.query,
        parent_id = COALESCE(excluded.parent_id, parent_id), request_id = excluded.request_id,
        state = excluded.state, percent = MAX(percent, excluded.percent), stage = COALESCE(excluded.stage, stage),
        attempts = MAX(attempts, excluded.attempts), last_seq = excluded.last_seq,
        -- A final event is the parties' own outcome: it replaces a provisional end the reaper wrote (docs/storage.md).
        error_code = CASE WHEN excluded.ended_at IS NOT NULL THEN excluded.error_code ELSE COALESCE(excluded.error_code, error_code) END,
        error_message = CASE WHEN excluded.ended_at IS NOT NULL THEN excluded.error_message ELSE COALESCE(excluded.error_message, error_message) END,
        result_message_id = COALESCE(excluded.result_message_id, result_message_id),
        updated_at = excluded.updated_at, ended_at = COALESCE(ended_at, excluded.ended_at)
      WHERE excluded.last_seq > conversations.last_seq`);
    this.insertRequested = db.prepare(`
      INSERT INTO conversations (id, requester, responder, query, parent_id, request_id, reply_to, state, started_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?)
      ON CONFLICT(id) DO UPDATE SET reply_to = COALESCE(reply_to, excluded.reply_to)`);
    this.setResult = db.prepare('UPDATE conversations SET result_message_id = COALESCE(result_message_id, ?) WHERE id = ?');
  }

  /** A request seen in the responder's inbox: the row exists (submitted) before any event, with the reply topic the reaper matches. */
  requested(envelope: Envelope, at: string): void {
    this.insertRequested.run(envelope.conversationId, envelope.from, envelope.to, envelope.schema, envelope.parentId ?? null, envelope.id, envelope.replyTo ?? null, at, at);
  }

  replied(envelope: Envelope): void {
    this.setResult.run(envelope.id, envelope.conversationId);
  }

  applyEvent(envelope: Envelope<ConversationEvent>, conv: number, messageSeq: number | bigint, at: string): void {
    const event = envelope.body;
    const seq = envelope.seq as number;
    this.insertEvent.run(conv, seq, messageSeq);
    this.upsertFromEvent.run({
      id: envelope.conversationId,
      requester: event.requester,
      responder: event.responder,
      query: event.query,
      parentId: envelope.parentId ?? null,
      requestId: event.requestId,
      state: event.state,
      percent: event.progress?.percent ?? (event.state === 'completed' ? 100 : 0),
      stage: event.progress?.stage ?? null,
      attempts: event.attempt,
      seq,
      errorCode: event.error?.code ?? null,
      errorMessage: event.error?.message ?? null,
      resultMessageId: event.result?.messageId ?? null,
      at,
      endedAt: FINAL_STATES.includes(event.state) ? at : null,
    });
  }
}
