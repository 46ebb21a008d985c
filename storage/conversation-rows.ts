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
        -- A row a reply completed (its events were still on their way) is not reopened by them; a final event still decides.
        state = CASE WHEN state = 'completed' AND excluded.ended_at IS NULL THEN state ELSE excluded.state END,
        percent = MAX(percent, excluded.percent),
        stage = CASE WHEN state = 'completed' AND excluded.ended_at IS NULL THEN stage ELSE COALESCE(excluded.stage, stage) END,
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
    // A reply ends a conversation that published no event (a quiet one: docs/protocol.md, "Message budget"); once
    // the requester has published events, they say how it ended (it may have refused the reply). A reaper's end
    // (requester offline) is provisional: a reply sent before it was the answer the requester had (a restarted
    // recorder may receive the offline status first); one sent after it reached nobody.
    const ends = `last_seq = 0 AND (ended_at IS NULL OR @sentAt <= ended_at)`;
    this.setResult = db.prepare(`
      UPDATE conversations SET result_message_id = COALESCE(result_message_id, @messageId),
        state = CASE WHEN ${ends} THEN 'completed' ELSE state END,
        percent = CASE WHEN ${ends} THEN 100 ELSE percent END,
        error_code = CASE WHEN ${ends} THEN NULL ELSE error_code END,
        error_message = CASE WHEN ${ends} THEN NULL ELSE error_message END,
        updated_at = CASE WHEN ${ends} THEN @at ELSE updated_at END,
        ended_at = CASE WHEN ${ends} THEN COALESCE(ended_at, @at) ELSE ended_at END
      WHERE id = @id`);
  }

  /** A request seen in the responder's inbox: the row exists (submitted) before any event, with the reply topic the reaper matches. */
  requested(envelope: Envelope, at: string): void {
    this.insertRequested.run(envelope.conversationId, envelope.from, envelope.to, envelope.schema, envelope.parentId ?? null, envelope.id, envelope.replyTo ?? null, at, at);
  }

  /** A reply from the responder: the result, and the end of a conversation that published no events. */
  replied(envelope: Envelope, at: string): void {
    const sent = Date.parse(envelope.sentAt);
    // ISO in UTC, as `ended_at`, so the two compare as text whatever offset the sender wrote.
    this.setResult.run({ messageId: envelope.id, at, sentAt: Number.isNaN(sent) ? at : new Date(sent).toISOString(), id: envelope.conversationId });
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
