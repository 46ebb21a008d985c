import type { EventEmitter } from 'node:events';
import {
  createEnvelope,
  eventEnvelope,
  FINAL_STATES,
  isBareAck,
  Topics,
  type ConversationEvent,
  type ConversationSnapshot,
  type ConversationStateName,
  type Envelope,
  type ProgressReport,
} from '../../protocol/index.ts';
import { ConversationMachine, type ConversationEffects, type ConversationOutput } from '../../state-machines/index.ts';
import type { AckWatch } from './ack-watch.ts';
import { PublishQueue } from './publish-queue.ts';

/** How the conversation reaches the bus; the owning Actor supplies it. */
export interface ConversationTransport {
  readonly module: string;
  readonly replyTopic: string;
  readonly acks: AckWatch;
  /**
   * Publish and call `done` once the publish has settled, delivered or not (never synchronously). A callback rather
   * than a promise: a request waiting for its PUBACK then holds no promise, resolvers or reaction.
   */
  send(topic: string, envelope: Envelope, retain: boolean, done: () => void): void;
  /** The inbox topic of a module, one string per module rather than one per request. */
  inboxOf(module: string): string;
  /** A settled conversation's last publish has settled: nothing of it is on its way out any more. */
  drained(owner: ConversationOwner): void;
}

export interface ConversationSpec {
  conversationId: string;
  requestId: string;
  to: string;
  schema: string;
  body: unknown;
  parentId?: string;
  timeoutMs: number;
  ackTimeoutMs: number;
  maxAttempts: number;
  peerGraceMs: number;
  /** Publish lifecycle events only once the conversation is this old or reports progress (0: from the start). */
  eventsAfterMs: number;
  /** Re-send to another replica when the one holding the request is lost (idempotent queries only; docs/scaling.md). */
  retryOnReplicaLoss?: boolean;
  /** Re-runs allowed after a responder restart, for an idempotent query (RequestOptions.retry). */
  retryAttempts: number;
}

/** The Conversation a wire works for: it hears the events and settles the result. */
export interface ConversationOwner extends EventEmitter<ConversationEvents> {
  /** The machine ended; called once. */
  settle(output: ConversationOutput): void;
}

export interface ConversationEvents {
  state: [ConversationStateName, ConversationSnapshot];
  progress: [ProgressReport];
  'input-required': [string];
  /** The acknowledgement is overdue but the responder is still answering earlier requests: waiting, not re-sending. */
  queued: [];
}

/**
 * What a Conversation's machine does to the bus: the request, cancels and inputs, and the lifecycle
 * events. A quiet conversation's events are held back; when a reply ends it quiet nothing more goes
 * out, when anything else does only its final event, without a retained snapshot (docs/protocol.md,
 * "Message budget of a conversation"); they leave one at a time, in order (PublishQueue). Its methods live on the prototype: tsx names every closure it creates, which costs each one a property array,
 * and 10 000 open conversations would pay that per closure.
 */
export class ConversationWire extends PublishQueue implements ConversationEffects {
  readonly machine: ConversationMachine;
  /** The request's ticket (AckWatch): its place in send order, kept by re-sends. */
  ticket = 0;
  private seq = 0;
  /** ms since epoch; formatted only if a snapshot is ever made (a quiet conversation makes none). */
  private readonly startedAt = Date.now();
  /**
   * Lifecycle events not published yet: the conversation is still quiet. Undefined once it is public. Starts as the
   * shared empty QUIET, replaced by a one-element array at the first hold (an empty array grows to 17 slots at its first push).
   */
  private held: ConversationEvent[] | undefined = QUIET;
  private snapshotQueued = false;
  /** The seq of the last event handed to the transport; the retained snapshot never runs ahead of it. */
  private publishedSeq = 0;
  /** The replica's own topic named in its answers' replyTo (docs/scaling.md): cancels and inputs go there, not to the shared inbox. */
  holder: string | undefined;

  constructor(
    private readonly spec: ConversationSpec,
    private readonly transport: ConversationTransport,
    private readonly owner: ConversationOwner,
  ) {
    super();
    const { timeoutMs, ackTimeoutMs, maxAttempts, peerGraceMs, eventsAfterMs } = spec;
    // The machine's one timer also ends the quiet period (quietOver): no second timer per conversation.
    this.machine = new ConversationMachine({ requestId: spec.requestId, deadline: Date.now() + timeoutMs, ackTimeoutMs, maxAttempts, peerGraceMs, quietMs: eventsAfterMs }, this);
  }

  start(): void {
    if (this.spec.eventsAfterMs <= 0) this.held = undefined;
    this.machine.start();
  }

  quietOver(): void {
    this.goPublic();
  }

  get public(): boolean {
    return this.held === undefined;
  }

  sendRequest(attempt: number): void {
    if (attempt > 1) this.publishEvent('attempt');
    this.ticket = this.transport.acks.sent(this.ticket);
    this.enqueue(this.transport.inboxOf(this.spec.to), this.requestEnvelope());
  }

  /** Same id: the responder answers from its dedupe cache (re-sends a lost reply, or re-acknowledges running work). */
  resendRequest(): void {
    this.enqueue(this.transport.inboxOf(this.spec.to), this.requestEnvelope());
  }

  sendCancel(reason?: string): void {
    this.enqueue(this.controlTopic(), this.controlEnvelope('cancel', 'cancel@1', reason ? { reason } : {}));
  }

  sendInput(input: unknown): void {
    this.enqueue(this.controlTopic(), this.controlEnvelope('request', 'conversation.input@1', { input }));
  }

  get retryOnReplicaLoss(): boolean {
    return this.spec.retryOnReplicaLoss === true;
  }

  private controlTopic(): string {
    return this.holder ?? this.transport.inboxOf(this.spec.to);
  }

  /** The responder answered this conversation (called before the answer reaches the machine). */
  answered(): void {
    this.transport.acks.answered(this.spec.to, this.ticket);
  }

  stillQueued(overdue: { dueAt: number; periodMs: number }): boolean {
    return this.transport.acks.stillQueued(this.spec.to, this.ticket, overdue);
  }

  queued(): void {
    this.owner.emit('queued');
  }

  progress(report: ProgressReport): void {
    this.owner.emit('progress', report);
    if (report.inputRequired) this.owner.emit('input-required', report.inputRequired.prompt);
    if (!isBareAck(report)) this.goPublic();
    this.publishEvent('progress', report);
  }

  changed(state: ConversationStateName): void {
    this.publishEvent('state');
    if (this.owner.listenerCount('state') > 0) this.owner.emit('state', state, this.snapshot());
  }

  done(output: ConversationOutput): void {
    this.owner.settle(output);
  }

  /** From now on every change is published; what was held goes out first, in order. */
  goPublic(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    for (const event of held) this.send(event);
  }

  snapshot(): ConversationSnapshot {
    const context = this.machine.context;
    return {
      state: this.machine.state,
      seq: this.seq,
      requester: this.transport.module,
      responder: this.spec.to,
      query: this.spec.schema,
      percent: context.percent,
      attempts: context.attempts,
      startedAt: new Date(this.startedAt).toISOString(),
      updatedAt: new Date().toISOString(),
      ...(context.stage ? { stage: context.stage } : {}),
      ...(this.spec.parentId ? { parentId: this.spec.parentId } : {}),
      ...(context.error ? { error: context.error } : {}),
    };
  }

  private publishEvent(type: ConversationEvent['type'], progress?: ProgressReport): void {
    if (type === 'attempt') this.goPublic();
    const event = this.eventBody(type, progress);
    if (!this.held) return this.send(event);
    // A quiet conversation says only how it ended, without a retained snapshot that someone would have to clear, and
    // says nothing when a reply ended it: the reply is on the bus and in the record (docs/protocol.md, "Message budget").
    if (type === 'state' && event.state === 'completed') return;
    if (type === 'state' && FINAL_STATES.includes(event.state)) this.send(event, false);
    else if (this.held === QUIET) this.held = [event];
    else this.held.push(event);
  }

  private eventBody(type: ConversationEvent['type'], progress?: ProgressReport): ConversationEvent {
    const context = this.machine.context;
    const event: ConversationEvent = {
      type,
      state: this.machine.state,
      requester: this.transport.module,
      responder: this.spec.to,
      query: this.spec.schema,
      requestId: this.spec.requestId,
      attempt: Math.max(1, context.attempts),
    };
    if (progress) event.progress = progress;
    if (context.error) event.error = context.error;
    if (context.result) event.result = { schema: context.result.schema, messageId: context.result.messageId };
    return event;
  }

  private send(body: ConversationEvent, withSnapshot = true): void {
    this.enqueue(Topics.conversationEvents(this.spec.conversationId), this.eventEnvelope('conversation.event@1', ++this.seq, body));
    if (withSnapshot && !this.snapshotQueued) {
      // One retained snapshot per burst of events: by the time it is sent, only the latest state matters.
      this.snapshotQueued = true;
      this.enqueue(Topics.conversationState(this.spec.conversationId), undefined);
    }
  }

  private eventEnvelope(schema: string, seq: number, body: unknown): Envelope {
    // createEnvelope leaves parentId out when there is none.
    return eventEnvelope({ from: this.transport.module, conversationId: this.spec.conversationId, seq, schema, body, parentId: this.spec.parentId });
  }

  private requestEnvelope(): Envelope {
    const spec = this.spec;
    return createEnvelope({
      id: spec.requestId,
      kind: 'request',
      from: this.transport.module,
      to: spec.to,
      conversationId: spec.conversationId,
      replyTo: this.transport.replyTopic,
      deadline: new Date(this.machine.context.deadline).toISOString(),
      schema: spec.schema,
      body: spec.body,
      parentId: spec.parentId,
    });
  }

  private controlEnvelope(kind: 'cancel' | 'request', schema: string, body: unknown): Envelope {
    const spec = this.spec;
    return createEnvelope({
      kind,
      from: this.transport.module,
      to: spec.to,
      conversationId: spec.conversationId,
      correlationId: spec.requestId,
      replyTo: this.transport.replyTopic,
      schema,
      body,
      parentId: spec.parentId,
    });
  }

  /** What `publishing` and `flushed()` wait for has left: an ended conversation is no longer the Actor's to wait on. */
  protected drained(): void {
    if (this.machine.ended) this.transport.drained(this.owner);
  }

  protected publishNow(topic: string, envelope: Envelope | undefined, done: () => void): void {
    if (envelope) {
      if (envelope.seq !== undefined) this.publishedSeq = envelope.seq;
      return this.transport.send(topic, envelope, false, done);
    }
    // Events queued after the snapshot's place are not out yet: a snapshot carrying their seq first would make
    // a reader that orders by seq (the dashboard, the recorder) drop them as old. It goes behind them instead.
    if (this.publishedSeq < this.seq) {
      this.enqueue(topic, undefined);
      return queueMicrotask(done);
    }
    this.snapshotQueued = false;
    this.transport.send(topic, this.eventEnvelope('conversation.state@1', this.seq, this.snapshot()), true, done);
  }
}

/** The `held` of a conversation that has held nothing yet; never written to. */
const QUIET: ConversationEvent[] = [];

