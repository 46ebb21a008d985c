import type { Database, Statement } from 'better-sqlite3';
import {
  checkBody,
  decodeEnvelope,
  isReplicaOf,
  parseTopic,
  RECORDER_QUERY_IDS,
  toCommsError,
  type ConversationEvent,
  type Envelope,
  type ModuleCard,
  type ModuleStatus,
  type ParsedTopic,
  type WorkflowEvent,
  type WorkflowStateSnapshot,
} from '../protocol/index.ts';
import { ConversationReaper } from './conversation-reaper.ts';
import { ConversationRows } from './conversation-rows.ts';
import { LogKeys } from './log-keys.ts';
import { encodeEnvelopePayload, encodeRawPayload } from './payload-codec.ts';
import { pruneRecords, type PruneResult, type RetentionPolicy } from './retention.ts';
import { SenderCheck } from './sender-check.ts';
import { WorkflowRows } from './workflow-rows.ts';

export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  retained: boolean;
  /** ISO time; default now (one clock read per batch). */
  receivedAt?: string;
}

export interface RecordOutcome {
  /** false when the same message id on the same topic was already recorded (a QoS 1 redelivery). */
  stored: boolean;
  valid: boolean;
  /** The envelope as decoded for recording (valid messages only), so callers never parse the payload again. */
  envelope?: Envelope;
  /** Conversations this message ended (a module's status ended its requester's open conversations), when any: their retained snapshots are to be cleared. */
  reaped?: string[];
}

/**
 * Writes every message as received into `message_log` and keeps the derived tables current
 * (docs/architecture.md, The recorder and ack-after-commit). The write path does each thing once a
 * message: one decode (whose envelope the reaper and the caller reuse), prepared statements, one
 * transaction per call of `recordBatch`, so a group of messages and everything derived from them
 * commit together or not at all.
 */
export class MessageRecorder {
  private readonly insertLog: Statement;
  private readonly restorePayload: Statement;
  private readonly upsertCard: Statement;
  private readonly upsertStatus: Statement;
  private readonly markInvalid: Statement;
  private readonly keys: LogKeys;
  private readonly conversations: ConversationRows;
  private readonly workflows: WorkflowRows;
  private readonly reaper: ConversationReaper;
  private readonly senders: SenderCheck;
  private readonly deriveOne: (topic: ParsedTopic | undefined, envelope: Envelope, conv: number, seq: number | bigint, at: string, retained: boolean) => string[] | undefined;
  private readonly writeBatch: (messages: readonly IncomingMessage[]) => RecordOutcome[];

  constructor(private readonly db: Database) {
    this.insertLog = db.prepare(`
      INSERT OR IGNORE INTO message_log (conv, message_id, topic, kind, retained, valid, error_code, error_message, size, payload, received_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.restorePayload = db.prepare('UPDATE message_log SET payload = ? WHERE seq = ?');
    this.upsertCard = db.prepare(`
      INSERT INTO modules (name, card, client_id, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET card = excluded.card, client_id = excluded.client_id, updated_at = excluded.updated_at`);
    this.upsertStatus = db.prepare(`
      INSERT INTO modules (name, status, session_id, client_id, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET status = excluded.status, session_id = excluded.session_id,
        client_id = excluded.client_id, updated_at = excluded.updated_at`);
    this.markInvalid = db.prepare('UPDATE message_log SET valid = 0, error_code = ?, error_message = ? WHERE seq = ?');
    this.keys = new LogKeys(db);
    this.conversations = new ConversationRows(db);
    this.workflows = new WorkflowRows(db);
    this.reaper = new ConversationReaper(db);
    this.senders = new SenderCheck(db);
    // Nested in the batch's transaction this is a SAVEPOINT: a body that cannot be applied rolls back only its derived rows.
    this.deriveOne = db.transaction((topic, envelope, conv, seq, at, retained) => this.derive(topic, envelope, conv, seq, at, retained));
    this.writeBatch = db.transaction((messages: readonly IncomingMessage[]) => {
      const now = Date.now();
      const iso = new Date(now).toISOString();
      const outcomes: RecordOutcome[] = new Array(messages.length);
      for (let i = 0; i < messages.length; i++) outcomes[i] = this.write(messages[i] as IncomingMessage, now, iso);
      return outcomes;
    });
  }

  record(message: IncomingMessage): RecordOutcome {
    return this.recordBatch([message])[0] as RecordOutcome;
  }

  /** Several messages in one transaction: the group commit of the broker's publish path, imports, benchmarks. */
  recordBatch(messages: readonly IncomingMessage[]): RecordOutcome[] {
    try {
      return this.writeBatch(messages);
    } catch (err) {
      this.keys.forget(); // the rollback may have taken interned keys with it
      throw err;
    }
  }

  /** Retention on this recorder's database (storage/retention.ts); interned keys may go with the rows, so the caches are dropped. */
  prune(policy: RetentionPolicy, now = Date.now()): PruneResult {
    try {
      return pruneRecords(this.db, policy, now);
    } finally {
      this.keys.forget();
    }
  }

  private write(message: IncomingMessage, now: number, iso: string): RecordOutcome {
    const at = message.receivedAt ?? iso;
    const receivedMs = message.receivedAt === undefined ? now : Date.parse(message.receivedAt);
    const { topic, payload } = message;
    const retained = message.retained ? 1 : 0;
    if (payload.length === 0) {
      // An empty retained payload clears a retained topic: a valid MQTT act, not an envelope.
      this.insertLog.run(null, null, this.keys.topic(topic, null), null, retained, 1, null, null, 0, payload, receivedMs);
      return { stored: true, valid: true };
    }
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(payload, { maxBytes: Number.MAX_SAFE_INTEGER });
    } catch (err) {
      const error = toCommsError(err, 'E_SCHEMA_INVALID');
      this.insertLog.run(null, null, this.keys.topic(topic, null), null, retained, 0, error.code, error.message, payload.length, encodeRawPayload(payload), receivedMs);
      return { stored: true, valid: false };
    }
    const parsed = parseTopic(topic);
    const conv = this.keys.conversation(envelope.conversationId);
    // A state snapshot repeats the conversation's event of the same seq: once applied, its bytes are not kept (docs/storage.md).
    const elided = parsed?.kind === 'conversation-state' && envelope.schema === 'conversation.state@1';
    const stored = elided ? null : encodeEnvelopePayload(payload, envelope.conversationId);
    const inserted = this.insertLog.run(conv, envelope.id, this.keys.topic(topic, envelope.conversationId), envelope.kind, retained, 1, null, null, payload.length, stored, receivedMs);
    if (inserted.changes === 0) return { stored: false, valid: true, envelope };
    try {
      const reaped = this.deriveOne(parsed, envelope, conv, inserted.lastInsertRowid, at, message.retained);
      return reaped && reaped.length > 0 ? { stored: true, valid: true, envelope, reaped } : { stored: true, valid: true, envelope };
    } catch (err) {
      // A well-formed envelope with a body the derived tables cannot take (null, missing fields, unknown
      // state), or from a sender who may not say it (E_FORGED), is kept as an invalid message; throwing would
      // leave it unacknowledged and redelivered forever.
      if (isStorageFailure(err)) throw err;
      const error = toCommsError(err, 'E_SCHEMA_INVALID');
      this.markInvalid.run(error.code, error.message, inserted.lastInsertRowid);
      if (elided) this.restorePayload.run(encodeEnvelopePayload(payload, envelope.conversationId), inserted.lastInsertRowid);
      return { stored: true, valid: false };
    }
  }

  private derive(parsed: ParsedTopic | undefined, envelope: Envelope, conv: number, seq: number | bigint, at: string, retained: boolean): string[] | undefined {
    if (parsed && DERIVED_SCHEMAS.has(envelope.schema)) checkBody(envelope.schema, envelope.body);
    // A message from someone who may not say it is kept as evidence (valid = 0, E_FORGED) and never applied.
    const forged = this.senders.problem(parsed, envelope, retained);
    if (forged) throw forged;
    switch (parsed?.kind) {
      case 'conversation-events':
        if (envelope.schema === 'conversation.event@1' && envelope.seq !== undefined) this.conversations.applyEvent(envelope as Envelope<ConversationEvent>, conv, seq, at);
        return undefined;
      case 'module-inbox':
        // History reads (a dashboard polls them) are kept as messages but are no conversations of their own.
        if (envelope.kind === 'request' && envelope.schema !== 'conversation.input@1' && envelope.to === parsed.subject && !RECORDER_QUERY_IDS.includes(envelope.schema)) {
          this.conversations.requested(envelope, at);
        }
        return undefined;
      case 'replies':
        if (envelope.kind === 'reply') this.conversations.replied(envelope, at);
        return undefined;
      case 'module-card':
        this.upsertCard.run(parsed.subject, JSON.stringify(envelope.body), (envelope.body as ModuleCard).clientId, at);
        return undefined;
      case 'module-status':
        return this.applyStatus(parsed.subject, envelope.body as ModuleStatus, at);
      case 'replica-status':
        return this.applyReplicaStatus(parsed.subject, envelope as Envelope<ModuleStatus>, at);
      case 'workflow-state':
        if (envelope.schema === 'workflow.state@1') this.workflows.applyState(envelope as Envelope<WorkflowStateSnapshot>, at);
        return undefined;
      case 'workflow-events':
        if (envelope.schema === 'workflow.event@1' && envelope.seq !== undefined) this.workflows.applyEvent(envelope as Envelope<WorkflowEvent>, at);
        return undefined;
      default:
        return undefined;
    }
  }

  /** Conversations whose requester is gone end here, in the status's own transaction (docs/storage.md). */
  private applyStatus(module: string, status: ModuleStatus, at: string): string[] {
    const reaped = this.reaper.onStatus(module, status, at);
    this.upsertStatus.run(module, status.state, status.sessionId, status.clientId, at);
    return reaped;
  }

  /**
   * A replica's own status (docs/scaling.md) speaks for the conversations that replica asked; the
   * module's row stays the module's. Only the module speaks for its replicas: anything else ends nothing.
   */
  private applyReplicaStatus(clientId: string, envelope: Envelope<ModuleStatus>, at: string): string[] | undefined {
    if (!isReplicaOf(envelope.from, clientId) || envelope.body.clientId !== clientId) return undefined;
    return this.reaper.onStatus(envelope.from, envelope.body, at);
  }
}

/** Bodies the recorder derives rows from; they are checked against ALL_SCHEMAS before a row is written. */
const DERIVED_SCHEMAS = new Set(['conversation.event@1', 'module.status@1', 'module.card@1', 'workflow.state@1', 'workflow.event@1']);

/** Errors of the database itself (full disk, I/O, busy), as opposed to data it refused: the message must not be acknowledged. */
function isStorageFailure(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT') && code !== 'SQLITE_MISMATCH';
}
