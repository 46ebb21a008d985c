import type { Database } from 'better-sqlite3';
import { CommsError, completedByReply, Topics, type ConversationEvent, type ConversationStateName, type ErrorReply } from '../protocol/index.ts';
import { openReader } from './database.ts';
import { CONV, envelopeBody, isoOf, storedEnvelope, MESSAGE_ROWS, TOPIC_TEXT, toMessage, type MessageRow, type RecordedMessage } from './recorded-message.ts';
import { conversationPageWhere, type ConversationPageFilter } from './conversation-page.ts';

export type { RecordedMessage } from './recorded-message.ts';

export interface ConversationStatus {
  id: string;
  state: ConversationStateName;
  requester: string | null;
  responder: string | null;
  query: string | null;
  parentId: string | null;
  percent: number;
  stage: string | null;
  attempts: number;
  lastSeq: number;
  error: ErrorReply | null;
  /** The reply body, when the conversation completed and the reply was recorded. */
  result: unknown;
  startedAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface RecordedEvent {
  seq: number;
  messageId: string;
  at: string;
  event: ConversationEvent;
  /**
   * 'reply': not a published event. A conversation that ended quiet by a reply publishes none
   * (docs/protocol.md, "Message budget"); its end is told from the reply, as the seq 1 it would have had.
   */
  derivedFrom?: 'reply';
}

export interface CommsStats {
  messages: { total: number; invalid: number; bytes: number; byKind: Record<string, number> };
  conversations: { total: number; byState: Record<string, number>; meanDurationMs: number | null };
  deadLetters: number;
  modules: Array<{ name: string; status: string | null; updatedAt: string }>;
}

export interface WorkflowStepRecord {
  stepId: string;
  state: string;
  module: string | null;
  query: string | null;
  conversationId: string | null;
  attempts: number;
  output: unknown;
  error: { code: string; message: string } | null;
  updatedAt: string;
}

export interface WorkflowRecord {
  id: string;
  name: string | null;
  state: string;
  seq: number;
  orchestrator: string | null;
  definition: unknown;
  error: { code: string; message: string } | null;
  startedAt: string | null;
  updatedAt: string;
  endedAt: string | null;
  steps: WorkflowStepRecord[];
}

interface WorkflowRow {
  id: string;
  name: string | null;
  state: string;
  seq: number;
  orchestrator: string | null;
  definition: string | null;
  error_code: string | null;
  error_message: string | null;
  started_at: string | null;
  updated_at: string;
  ended_at: string | null;
}

interface WorkflowStepRow {
  step_id: string;
  state: string;
  module: string | null;
  query: string | null;
  conversation_id: string | null;
  attempts: number;
  output: string | null;
  error_code: string | null;
  error_message: string | null;
  updated_at: string;
}

export interface ListConversationsFilter {
  state?: ConversationStateName;
  module?: string;
  parentId?: string;
  limit?: number;
}

interface ConversationRow {
  id: string;
  requester: string | null;
  responder: string | null;
  query: string | null;
  parent_id: string | null;
  state: string;
  percent: number;
  stage: string | null;
  attempts: number;
  last_seq: number;
  error_code: string | null;
  error_message: string | null;
  result_message_id: string | null;
  started_at: string;
  updated_at: string;
  ended_at: string | null;
}

/**
 * The read side of the recorder's database: status, listings, events since a seq, stats and
 * export. Opens its own read-only connection, so it never competes with the recorder's writes.
 */
export class CommsQueries {
  private readonly db: Database;

  constructor(pathOrDb: string | Database) {
    this.db = typeof pathOrDb === 'string' ? openReader(pathOrDb) : pathOrDb;
  }

  close(): void {
    this.db.close();
  }

  /** Where a conversation stands; throws E_NOT_FOUND for an id never recorded. */
  getTaskStatus(conversationId: string): ConversationStatus {
    const row = this.db.prepare('SELECT * FROM conversations WHERE id = ?').get(conversationId) as ConversationRow | undefined;
    if (!row) throw new CommsError('E_NOT_FOUND', `no conversation ${conversationId} is recorded. List them with 'comms conversations'.`);
    return this.toStatus(row);
  }

  listConversations(filter: ListConversationsFilter = {}): ConversationStatus[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit ?? 100 };
    if (filter.state) (where.push('state = @state'), (params.state = filter.state));
    if (filter.module) (where.push('(requester = @module OR responder = @module)'), (params.module = filter.module));
    if (filter.parentId) (where.push('parent_id = @parentId'), (params.parentId = filter.parentId));
    const sql = `SELECT * FROM conversations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as ConversationRow[]).map((row) => this.toStatus(row));
  }

  /** One page of conversations, newest first, and how many match in all (conversation.list.query@1). */
  listConversationPage(filter: ConversationPageFilter): { total: number; conversations: ConversationStatus[] } {
    const { where, params } = conversationPageWhere(filter);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM conversations ${where}`).get(params) as { n: number }).n;
    const sql = `SELECT * FROM conversations ${where} ORDER BY started_at DESC, id DESC LIMIT @limit OFFSET @offset`;
    const rows = this.db.prepare(sql).all({ ...params, limit: filter.limit, offset: filter.offset }) as ConversationRow[];
    // A page lists conversations: their reply bodies (possibly large) are not read.
    return { total, conversations: rows.map((row) => this.toStatus(row, false)) };
  }

  /** Events with seq greater than `afterSeq`, in order: a watcher that reconnects asks for these, so it sees no gap. */
  getConversationEvents(conversationId: string, afterSeq = 0): RecordedEvent[] {
    const rows = this.db
      .prepare(`SELECT e.seq, l.message_id, l.received_at, l.payload FROM conversation_log e JOIN message_log l ON l.seq = e.message_seq WHERE e.conv = ${CONV} AND e.seq > ? ORDER BY e.seq`)
      .all(conversationId, afterSeq) as Array<{ seq: number; message_id: string; received_at: number; payload: Buffer }>;
    if (rows.length === 0 && afterSeq === 0) return this.replyEndedEvent(conversationId);
    return rows.map((r) => ({ seq: r.seq, messageId: r.message_id, at: isoOf(r.received_at), event: envelopeBody(r.payload, conversationId) as ConversationEvent }));
  }

  /** The end of a conversation that published no event (completed quiet, by its reply), as the event it would have published. */
  private replyEndedEvent(conversationId: string): RecordedEvent[] {
    const row = this.db
      .prepare(
        `SELECT c.requester, c.responder, c.query, c.request_id, c.attempts, l.message_id, l.received_at, l.payload FROM conversations c
         JOIN message_log l ON l.conv = ${CONV} AND l.message_id = c.result_message_id AND l.kind = 'reply'
         WHERE c.id = ? AND c.state = 'completed' AND c.last_seq = 0`,
      )
      .get(conversationId, conversationId) as
      | { requester: string | null; responder: string | null; query: string | null; request_id: string | null; attempts: number; message_id: string; received_at: number; payload: Buffer }
      | undefined;
    if (!row) return [];
    const reply = { id: row.message_id, schema: storedEnvelope(row.payload, conversationId).schema };
    const event = completedByReply(reply, { requester: row.requester ?? '', responder: row.responder ?? '', query: row.query ?? '', requestId: row.request_id ?? '', attempt: row.attempts });
    return [{ seq: 1, messageId: row.message_id, at: isoOf(row.received_at), event, derivedFrom: 'reply' }];
  }

  /** Every recorded message of a conversation (requests, progress, replies, events), in arrival order. */
  getConversationMessages(conversationId: string): RecordedMessage[] {
    const rows = this.db.prepare(`${MESSAGE_ROWS} WHERE l.conv = ${CONV} ORDER BY l.seq`).all(conversationId) as MessageRow[];
    return rows.map(toMessage);
  }

  /** Messages in arrival order after the given recorder seq (for export and tailing). */
  listMessages(options: { afterSeq?: number; limit?: number; topicPrefix?: string; invalidOnly?: boolean } = {}): RecordedMessage[] {
    const rows = this.db
      .prepare(
        `${MESSAGE_ROWS} WHERE l.seq > @after ${options.topicPrefix ? `AND substr(${TOPIC_TEXT}, 1, length(@prefix)) = @prefix` : ''}
         ${options.invalidOnly ? 'AND l.valid = 0' : ''} ORDER BY l.seq LIMIT @limit`,
      )
      .all({ after: options.afterSeq ?? 0, limit: options.limit ?? 1000, prefix: options.topicPrefix ?? '' }) as MessageRow[];
    return rows.map(toMessage);
  }

  listDeadLetters(limit = 100): RecordedMessage[] {
    return this.listMessages({ topicPrefix: Topics.deadLetterPrefix, limit });
  }

  listModules(): Array<{ name: string; status: string | null; card: unknown; updatedAt: string }> {
    const rows = this.db.prepare('SELECT name, status, card, updated_at FROM modules ORDER BY name').all() as Array<{ name: string; status: string | null; card: string | null; updated_at: string }>;
    return rows.map((r) => ({ name: r.name, status: r.status, card: r.card ? JSON.parse(r.card) : null, updatedAt: r.updated_at }));
  }

  getStats(): CommsStats {
    const totals = this.db.prepare('SELECT COUNT(*) AS total, COALESCE(SUM(valid = 0), 0) AS invalid, COALESCE(SUM(size), 0) AS bytes FROM message_log').get() as { total: number; invalid: number; bytes: number };
    const byKind = Object.fromEntries((this.db.prepare("SELECT COALESCE(kind, 'invalid-or-clear') AS k, COUNT(*) AS n FROM message_log GROUP BY k").all() as Array<{ k: string; n: number }>).map((r) => [r.k, r.n]));
    const byState = Object.fromEntries((this.db.prepare('SELECT state, COUNT(*) AS n FROM conversations GROUP BY state').all() as Array<{ state: string; n: number }>).map((r) => [r.state, r.n]));
    const duration = this.db.prepare("SELECT AVG((julianday(ended_at) - julianday(started_at)) * 86400000.0) AS ms FROM conversations WHERE ended_at IS NOT NULL").get() as { ms: number | null };
    const deadLetters = (this.db.prepare('SELECT COUNT(*) AS n FROM message_log l JOIN topics t ON t.id = l.topic WHERE substr(t.name, 1, length(?)) = ?').get(Topics.deadLetterPrefix, Topics.deadLetterPrefix) as { n: number }).n;
    const total = Object.values(byState).reduce((a, b) => a + b, 0);
    return {
      messages: { ...totals, byKind },
      conversations: { total, byState, meanDurationMs: duration.ms },
      deadLetters,
      modules: this.listModules().map(({ name, status, updatedAt }) => ({ name, status, updatedAt })),
    };
  }

  /** A conversation with its status, events and raw messages, as one JSON-ready object. */
  exportConversation(conversationId: string): { conversation: ConversationStatus; events: RecordedEvent[]; messages: RecordedMessage[]; children: string[] } {
    const children = (this.db.prepare('SELECT id FROM conversations WHERE parent_id = ? ORDER BY started_at').all(conversationId) as Array<{ id: string }>).map((r) => r.id);
    return {
      conversation: this.getTaskStatus(conversationId),
      events: this.getConversationEvents(conversationId),
      messages: this.getConversationMessages(conversationId),
      children,
    };
  }

  /** A workflow as the recorder last saw its retained state, with its steps; throws E_NOT_FOUND. */
  getWorkflow(workflowId: string): WorkflowRecord {
    const row = this.db.prepare('SELECT * FROM workflows WHERE id = ?').get(workflowId) as WorkflowRow | undefined;
    if (!row) throw new CommsError('E_NOT_FOUND', `no workflow ${workflowId} is recorded. List them with listWorkflows().`);
    return this.toWorkflow(row);
  }

  listWorkflows(filter: { state?: string; limit?: number } = {}): WorkflowRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM workflows ${filter.state ? 'WHERE state = @state' : ''} ORDER BY updated_at DESC, id DESC LIMIT @limit`)
      .all({ state: filter.state ?? null, limit: filter.limit ?? 100 }) as WorkflowRow[];
    return rows.map((row) => this.toWorkflow(row));
  }

  private toWorkflow(row: WorkflowRow): WorkflowRecord {
    const steps = this.db.prepare('SELECT * FROM workflow_steps WHERE workflow_id = ? ORDER BY step_id').all(row.id) as WorkflowStepRow[];
    return {
      id: row.id,
      name: row.name,
      state: row.state,
      seq: row.seq,
      orchestrator: row.orchestrator,
      definition: row.definition ? JSON.parse(row.definition) : null,
      error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
      startedAt: row.started_at,
      updatedAt: row.updated_at,
      endedAt: row.ended_at,
      steps: steps.map((s) => ({
        stepId: s.step_id,
        state: s.state,
        module: s.module,
        query: s.query,
        conversationId: s.conversation_id,
        attempts: s.attempts,
        output: s.output === null ? null : JSON.parse(s.output),
        error: s.error_code ? { code: s.error_code, message: s.error_message ?? '' } : null,
        updatedAt: s.updated_at,
      })),
    };
  }

  private toStatus(row: ConversationRow, withResult = true): ConversationStatus {
    let result: unknown = null;
    if (withResult && row.result_message_id) {
      const reply = this.db.prepare(`SELECT payload FROM message_log WHERE conv = ${CONV} AND message_id = ? AND kind = 'reply'`).get(row.id, row.result_message_id) as { payload: Buffer | null } | undefined;
      if (reply?.payload) result = envelopeBody(reply.payload, row.id);
    }
    return {
      id: row.id,
      state: row.state as ConversationStateName,
      requester: row.requester,
      responder: row.responder,
      query: row.query,
      parentId: row.parent_id,
      percent: row.percent,
      stage: row.stage,
      attempts: row.attempts,
      lastSeq: row.last_seq,
      error: row.error_code ? ({ code: row.error_code, message: row.error_message ?? '' } as ErrorReply) : null,
      result,
      startedAt: row.started_at,
      updatedAt: row.updated_at,
      endedAt: row.ended_at,
    };
  }
}

