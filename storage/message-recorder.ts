import type { Database, Statement } from 'better-sqlite3';
import {
  checkBody,
  decodeEnvelope,
  FINAL_STATES,
  parseTopic,
  RECORDER_QUERY_IDS,
  toCommsError,
  type ConversationEvent,
  type Envelope,
  type ModuleCard,
  type ModuleStatus,
  type WorkflowEvent,
  type WorkflowStateSnapshot,
  isFinalWorkflowState,
} from '../protocol/index.ts';
import { SenderCheck } from './sender-check.ts';

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  retained: boolean;
  receivedAt?: string;
}

export interface RecordOutcome {
  /** false when the same message id on the same topic was already recorded (a QoS 1 redelivery). */
  stored: boolean;
  valid: boolean;
}

/**
 * Writes every message exactly as received into `messages`, and keeps the derived tables
 * (conversations, their events, modules) current. Each call is one transaction, so a message and
 * everything derived from it are committed together or not at all.
 */
export class MessageRecorder {
  private readonly insertMessage: Statement;
  private readonly insertEvent: Statement;
  private readonly upsertFromEvent: Statement;
  private readonly insertRequested: Statement;
  private readonly setResult: Statement;
  private readonly upsertCard: Statement;
  private readonly upsertStatus: Statement;
  private readonly upsertWorkflow: Statement;
  private readonly upsertWorkflowStep: Statement;
  private readonly markInvalid: Statement;
  private readonly senders: SenderCheck;
  private readonly deriveOne: (topic: string, envelope: Envelope, at: string, retained: boolean) => void;
  private readonly recordOne: (message: IncomingMessage) => RecordOutcome;

  constructor(private readonly db: Database) {
    this.insertMessage = db.prepare(`
      INSERT OR IGNORE INTO messages (message_id, topic, kind, schema, from_module, to_module, conversation_id, correlation_id,
        parent_id, conversation_seq, retained, valid, error_code, error_message, size, payload, received_at)
      VALUES (@messageId, @topic, @kind, @schema, @from, @to, @conversationId, @correlationId, @parentId, @seq, @retained, @valid,
        @errorCode, @errorMessage, @size, @payload, @receivedAt)`);
    this.insertEvent = db.prepare(`
      INSERT OR IGNORE INTO conversation_events (conversation_id, seq, message_id, type, state, body, at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
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
        error_code = COALESCE(excluded.error_code, error_code), error_message = COALESCE(excluded.error_message, error_message),
        result_message_id = COALESCE(excluded.result_message_id, result_message_id),
        updated_at = excluded.updated_at, ended_at = COALESCE(ended_at, excluded.ended_at)
      WHERE excluded.last_seq > conversations.last_seq`);
    this.insertRequested = db.prepare(`
      INSERT OR IGNORE INTO conversations (id, requester, responder, query, parent_id, request_id, state, started_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, 'submitted', ?, ?)`);
    this.setResult = db.prepare(`UPDATE conversations SET result_message_id = COALESCE(result_message_id, ?) WHERE id = ?`);
    this.upsertCard = db.prepare(`
      INSERT INTO modules (name, card, client_id, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET card = excluded.card, client_id = excluded.client_id, updated_at = excluded.updated_at`);
    this.upsertStatus = db.prepare(`
      INSERT INTO modules (name, status, session_id, client_id, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET status = excluded.status, session_id = excluded.session_id,
        client_id = excluded.client_id, updated_at = excluded.updated_at`);
    // Workflow snapshots and events carry the workflow's seq: only a newer one moves a row forward.
    this.upsertWorkflow = db.prepare(`
      INSERT INTO workflows (id, name, state, seq, orchestrator, definition, snapshot, error_code, error_message, started_at, updated_at, ended_at)
      VALUES (@id, @name, @state, @seq, @orchestrator, @definition, @snapshot, @errorCode, @errorMessage, @startedAt, @at, @endedAt)
      ON CONFLICT(id) DO UPDATE SET
        name = excluded.name, state = excluded.state, seq = excluded.seq, orchestrator = excluded.orchestrator,
        definition = excluded.definition, snapshot = excluded.snapshot, error_code = excluded.error_code,
        error_message = excluded.error_message, started_at = COALESCE(started_at, excluded.started_at),
        updated_at = excluded.updated_at, ended_at = COALESCE(ended_at, excluded.ended_at)
      WHERE excluded.seq >= workflows.seq`);
    this.upsertWorkflowStep = db.prepare(`
      INSERT INTO workflow_steps (workflow_id, step_id, state, seq, module, query, conversation_id, attempts, output, error_code, error_message, updated_at)
      VALUES (@workflowId, @stepId, @state, @seq, @module, @query, @conversationId, @attempts, @output, @errorCode, @errorMessage, @at)
      ON CONFLICT(workflow_id, step_id) DO UPDATE SET
        state = excluded.state, seq = excluded.seq, module = COALESCE(excluded.module, module), query = COALESCE(excluded.query, query),
        conversation_id = COALESCE(excluded.conversation_id, conversation_id), attempts = MAX(attempts, excluded.attempts),
        output = COALESCE(excluded.output, output), error_code = excluded.error_code, error_message = excluded.error_message,
        updated_at = excluded.updated_at
      WHERE excluded.seq >= workflow_steps.seq`);
    this.markInvalid = db.prepare('UPDATE messages SET valid = 0, error_code = ?, error_message = ? WHERE seq = ?');
    this.senders = new SenderCheck(db);
    // Nested in the message's transaction this is a SAVEPOINT: a body that cannot be applied rolls back only its derived rows.
    this.deriveOne = db.transaction((topic: string, envelope: Envelope, at: string, retained: boolean) => this.derive(topic, envelope, at, retained));
    this.recordOne = db.transaction((message: IncomingMessage) => this.write(message));
  }

  record(message: IncomingMessage): RecordOutcome {
    return this.recordOne(message);
  }

  /** Several messages in one transaction (imports, benchmarks). */
  recordMany(messages: IncomingMessage[]): RecordOutcome[] {
    return this.db.transaction(() => messages.map((m) => this.write(m)))();
  }

  private write(message: IncomingMessage): RecordOutcome {
    const receivedAt = message.receivedAt ?? new Date().toISOString();
    const base = { topic: message.topic, retained: message.retained ? 1 : 0, size: message.payload.length, payload: message.payload, receivedAt };
    if (message.payload.length === 0) {
      // An empty retained payload clears a retained topic: a valid MQTT act, not an envelope.
      this.insertMessage.run({ ...base, ...NO_ENVELOPE, valid: 1, errorCode: null, errorMessage: null });
      return { stored: true, valid: true };
    }
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(message.payload, { maxBytes: Number.MAX_SAFE_INTEGER });
    } catch (err) {
      const error = toCommsError(err, 'E_SCHEMA_INVALID');
      this.insertMessage.run({ ...base, ...NO_ENVELOPE, valid: 0, errorCode: error.code, errorMessage: error.message });
      return { stored: true, valid: false };
    }
    const inserted = this.insertMessage.run({
      ...base,
      messageId: envelope.id,
      kind: envelope.kind,
      schema: envelope.schema,
      from: envelope.from,
      to: envelope.to,
      conversationId: envelope.conversationId,
      correlationId: envelope.correlationId ?? null,
      parentId: envelope.parentId ?? null,
      seq: envelope.seq ?? null,
      valid: 1,
      errorCode: null,
      errorMessage: null,
    });
    if (inserted.changes === 0) return { stored: false, valid: true };
    try {
      this.deriveOne(message.topic, envelope, receivedAt, message.retained);
    } catch (err) {
      // A well-formed envelope with a body the derived tables cannot take (null, missing fields, unknown
      // state), or from a sender who may not say it (E_FORGED), is kept as an invalid message; throwing would
      // leave it unacknowledged and redelivered forever.
      if (isStorageFailure(err)) throw err;
      const error = toCommsError(err, 'E_SCHEMA_INVALID');
      this.markInvalid.run(error.code, error.message, inserted.lastInsertRowid);
      return { stored: true, valid: false };
    }
    return { stored: true, valid: true };
  }

  private derive(topic: string, envelope: Envelope, at: string, retained: boolean): void {
    const parsed = parseTopic(topic);
    if (parsed && DERIVED_SCHEMAS.has(envelope.schema)) checkBody(envelope.schema, envelope.body);
    // A message from someone who may not say it is kept as evidence (valid = 0, E_FORGED) and never applied.
    const forged = this.senders.problem(parsed, envelope, retained);
    if (forged) throw forged;
    switch (parsed?.kind) {
      case 'conversation-events':
        if (envelope.schema === 'conversation.event@1' && envelope.seq !== undefined) this.applyEvent(envelope as Envelope<ConversationEvent>, at);
        break;
      case 'module-inbox':
        // History reads (a dashboard polls them) are kept as messages but are no conversations of their own.
        if (envelope.kind === 'request' && envelope.schema !== 'conversation.input@1' && envelope.to === parsed.subject && !RECORDER_QUERY_IDS.includes(envelope.schema)) {
          this.insertRequested.run(envelope.conversationId, envelope.from, envelope.to, envelope.schema, envelope.parentId ?? null, envelope.id, at, at);
        }
        break;
      case 'replies':
        if (envelope.kind === 'reply') this.setResult.run(envelope.id, envelope.conversationId);
        break;
      case 'module-card':
        this.upsertCard.run(parsed.subject, JSON.stringify(envelope.body), (envelope.body as ModuleCard).clientId, at);
        break;
      case 'module-status': {
        const status = envelope.body as ModuleStatus;
        this.upsertStatus.run(parsed.subject, status.state, status.sessionId, status.clientId, at);
        break;
      }
      case 'workflow-state':
        if (envelope.schema === 'workflow.state@1') this.applyWorkflowState(envelope as Envelope<WorkflowStateSnapshot>, at);
        break;
      case 'workflow-events':
        if (envelope.schema === 'workflow.event@1' && envelope.seq !== undefined) this.applyWorkflowEvent(envelope as Envelope<WorkflowEvent>, at);
        break;
      default:
        break;
    }
  }

  private applyWorkflowState(envelope: Envelope<WorkflowStateSnapshot>, at: string): void {
    const body = envelope.body;
    const seq = envelope.seq ?? body.seq;
    const final = isFinalWorkflowState(body.state);
    this.upsertWorkflow.run({
      id: body.workflowId,
      name: body.name,
      state: body.state,
      seq,
      orchestrator: envelope.from,
      definition: JSON.stringify(body.definition),
      snapshot: JSON.stringify(body),
      errorCode: body.error?.code ?? null,
      errorMessage: body.error?.message ?? null,
      startedAt: body.startedAt ?? null,
      at,
      endedAt: final ? at : null,
    });
    const queries = new Map(body.definition.steps.map((s) => [s.id, s.query]));
    for (const [stepId, step] of Object.entries(body.steps)) {
      this.upsertWorkflowStep.run({
        workflowId: body.workflowId,
        stepId,
        state: step.state,
        seq,
        module: step.module ?? null,
        query: queries.get(stepId) ?? null,
        conversationId: step.conversationId ?? null,
        attempts: step.attempts,
        output: step.output === undefined ? null : JSON.stringify(step.output),
        errorCode: step.error?.code ?? null,
        errorMessage: step.error?.message ?? null,
        at,
      });
    }
  }

  private applyWorkflowEvent(envelope: Envelope<WorkflowEvent>, at: string): void {
    const event = envelope.body;
    if (event.type !== 'step' || !event.stepId || !event.stepState) return;
    this.upsertWorkflowStep.run({
      workflowId: event.workflowId,
      stepId: event.stepId,
      state: event.stepState,
      seq: envelope.seq as number,
      module: event.module ?? null,
      query: null,
      conversationId: event.conversationId ?? null,
      attempts: event.attempt ?? 0,
      output: null,
      errorCode: event.error?.code ?? null,
      errorMessage: event.error?.message ?? null,
      at,
    });
  }

  private applyEvent(envelope: Envelope<ConversationEvent>, at: string): void {
    const event = envelope.body;
    const seq = envelope.seq as number;
    this.insertEvent.run(envelope.conversationId, seq, envelope.id, event.type, event.state, JSON.stringify(event), at);
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

/** Bodies the recorder derives rows from; they are checked against ALL_SCHEMAS before a row is written. */
const DERIVED_SCHEMAS = new Set(['conversation.event@1', 'module.status@1', 'module.card@1', 'workflow.state@1', 'workflow.event@1']);

/** Errors of the database itself (full disk, I/O, busy), as opposed to data it refused: the message must not be acknowledged. */
function isStorageFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_MISMATCH';
}

const NO_ENVELOPE = { messageId: null, kind: null, schema: null, from: null, to: null, conversationId: null, correlationId: null, parentId: null, seq: null };
