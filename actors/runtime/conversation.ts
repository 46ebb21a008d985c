import { EventEmitter } from 'node:events';
import { createActor, toPromise, type Actor as XActor } from 'xstate';
import {
  CommsError,
  createEnvelope,
  eventEnvelope,
  Topics,
  type ConversationEvent,
  type ConversationSnapshot,
  type ConversationStateName,
  type Envelope,
  type ErrorReply,
  type ProgressReport,
} from '../../protocol/index.ts';
import { ConversationMachine, conversationStateName, type ConversationMachineEvent, type ConversationOutput } from '../../state-machines/index.ts';
import { isLeaseRenewal, LEASE_MISSES, LeaseWatch } from './lease.ts';
import { restartVerdict } from './restart-policy.ts';

/** How the conversation reaches the bus; the owning Actor supplies it. */
export interface ConversationTransport {
  readonly module: string;
  readonly replyTopic: string;
  publish(topic: string, envelope: Envelope, options?: { retain?: boolean }): Promise<void>;
  clearRetained(topic: string): Promise<void>;
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
  /** Keep the retained state snapshot this long after the end, then clear it. */
  stateRetentionMs: number;
  /** Re-runs allowed after a responder restart, for an idempotent query (RequestOptions.retry). */
  retryAttempts: number;
}

export interface ConversationEvents {
  state: [ConversationStateName, ConversationSnapshot];
  progress: [ProgressReport];
  'input-required': [string];
}

/**
 * The requester's handle on one request: runs a ConversationMachine, publishes every lifecycle
 * change and progress step to the conversation's events topic with a gap-free `seq`, keeps the
 * retained state snapshot current, and settles `result` with the reply body or a CommsError.
 */
export class Conversation<R = unknown> extends EventEmitter<ConversationEvents> {
  readonly id: string;
  readonly requestId: string;
  readonly to: string;
  readonly schema: string;
  readonly result: Promise<R>;
  private readonly machine: XActor<typeof ConversationMachine>;
  private seq = 0;
  private lastState: ConversationStateName | undefined;
  private readonly startedAt = new Date().toISOString();
  /** Publishes are chained so events leave in seq order even though each publish is async. */
  private outbox: Promise<void> = Promise.resolve();
  private readonly lease = new LeaseWatch({ probe: () => this.probe(), expire: (leaseMs) => this.leaseExpired(leaseMs) });
  /** Set by the responder's acknowledgement; cleared when the request is sent again. */
  private ack: { idempotent: boolean } | undefined;
  private reruns = 0;
  private lostSession: string | undefined;

  constructor(
    private readonly spec: ConversationSpec,
    private readonly transport: ConversationTransport,
    private readonly onSettled: (conversation: Conversation<R>) => void,
  ) {
    super();
    this.id = spec.conversationId;
    this.requestId = spec.requestId;
    this.to = spec.to;
    this.schema = spec.schema;
    this.machine = createActor(ConversationMachine, {
      input: {
        requestId: spec.requestId,
        deadline: Date.now() + spec.timeoutMs,
        ackTimeoutMs: spec.ackTimeoutMs,
        maxAttempts: spec.maxAttempts,
        peerGraceMs: spec.peerGraceMs,
      },
    });
    this.machine.on('send-request', ({ attempt }) => {
      if (attempt > 1) this.publishEvent('attempt', undefined, attempt);
      this.enqueue(() => this.transport.publish(Topics.moduleInbox(spec.to), this.requestEnvelope()));
    });
    this.machine.on('send-cancel', ({ reason }) => this.enqueue(() => this.transport.publish(Topics.moduleInbox(spec.to), this.controlEnvelope('cancel', 'cancel@1', reason ? { reason } : {}))));
    this.machine.on('send-input', ({ input }) => this.enqueue(() => this.transport.publish(Topics.moduleInbox(spec.to), this.controlEnvelope('request', 'conversation.input@1', { input }))));
    this.machine.on('progress', ({ report }) => {
      this.emit('progress', report);
      if (report.inputRequired) this.emit('input-required', report.inputRequired.prompt);
      this.publishEvent('progress', report);
    });
    // Every snapshot first (the final state's event goes out), then XState's completion settles.
    this.machine.subscribe({ next: (snapshot) => this.onSnapshot(conversationStateName(snapshot)), complete: () => (this.lease.stop(), this.settled()) });
    this.result = toPromise(this.machine).then((output) => outcomeOf<R>(output));
    // A caller that only listens to events must not get an unhandled rejection.
    this.result.catch(() => {});
  }

  /** Send the request. Separate from the constructor so listeners can be attached first. */
  start(): this {
    this.machine.start();
    return this;
  }

  get state(): ConversationStateName {
    return conversationStateName(this.machine.getSnapshot());
  }

  get percent(): number {
    return this.machine.getSnapshot().context.percent;
  }

  /** Feed a message from the reply topic into the machine. */
  receive(envelope: Envelope): void {
    if (envelope.kind === 'progress' && this.takeLease((envelope.body ?? {}) as ProgressReport)) return;
    const event = toMachineEvent(envelope);
    if (event) this.machine.send(event);
  }

  cancel(reason?: string): void {
    this.machine.send({ type: 'CANCEL', reason });
  }

  provideInput(input: unknown): void {
    this.machine.send({ type: 'PROVIDE_INPUT', input });
  }

  /** The responder's will (or offline status) arrived; `sessionId` is the session that went. */
  peerLost(sessionId?: string): void {
    // Its will says it is gone: the peer-loss grace applies, not the lease.
    this.lease.stop();
    this.lostSession = sessionId;
    this.machine.send({ type: 'PEER_LOST' });
  }

  /** The responder is online again: re-send, unless it restarted and must not run the request twice. */
  peerBack(sessionId?: string): void {
    if (!this.machine.getSnapshot().matches({ open: 'peerLost' })) return;
    const verdict = restartVerdict({ ack: this.ack, lostSession: this.lostSession, backSession: sessionId, reruns: this.reruns, allowedReruns: this.spec.retryAttempts, responder: this.to, query: this.schema });
    if (!verdict.resend) return void this.machine.send({ type: 'ERROR', error: verdict.error });
    if (verdict.rerun) this.reruns++;
    this.ack = undefined;
    this.machine.send({ type: 'PEER_BACK' });
  }

  /** The requester's own broker connection dropped / came back: a lease cannot be judged meanwhile. */
  connectionChanged(connected: boolean): void {
    if (connected) this.lease.resume();
    else this.lease.hold();
  }

  /** Lease bookkeeping for a progress report; true when it was only a renewal (not a progress step). */
  private takeLease(report: ProgressReport): boolean {
    if (report.leaseMs !== undefined) this.lease.renew(report.leaseMs);
    if (isLeaseRenewal(report)) return true;
    if (report.stage === 'accepted') this.ack = { idempotent: report.idempotent === true };
    return false;
  }

  /** Same id: the responder answers from its dedupe cache (re-sends a lost reply, or re-acknowledges running work). */
  private probe(): void {
    this.enqueue(() => this.transport.publish(Topics.moduleInbox(this.to), this.requestEnvelope()));
  }

  private leaseExpired(leaseMs: number): void {
    const silence = `${this.to} acknowledged ${this.schema} but sent no lease renewal for ${leaseMs * LEASE_MISSES} ms (lease ${leaseMs} ms)`;
    this.enqueue(() => this.transport.publish(Topics.moduleInbox(this.to), this.controlEnvelope('cancel', 'cancel@1', { reason: 'lease expired' })));
    this.machine.send({ type: 'ERROR', error: { code: 'E_LEASE_EXPIRED', message: `${silence}: it is frozen, overloaded or cut off. A cancel was sent; check the responder and send the request again.` } });
  }

  /** Resolves once every event of this conversation has been handed to the broker. */
  flushed(): Promise<void> {
    return this.outbox;
  }

  snapshot(): ConversationSnapshot {
    const { context } = this.machine.getSnapshot();
    return {
      state: this.state,
      seq: this.seq,
      requester: this.transport.module,
      responder: this.to,
      query: this.schema,
      percent: context.percent,
      attempts: context.attempts,
      startedAt: this.startedAt,
      updatedAt: new Date().toISOString(),
      ...(context.stage ? { stage: context.stage } : {}),
      ...(this.spec.parentId ? { parentId: this.spec.parentId } : {}),
      ...(context.error ? { error: context.error } : {}),
    };
  }

  private onSnapshot(state: ConversationStateName): void {
    if (state === this.lastState) return;
    this.lastState = state;
    this.publishEvent('state');
    this.emit('state', state, this.snapshot());
  }

  /** The machine reached a final state (and stopped itself): clear the retained snapshot later, tell the owner. */
  private settled(): void {
    const stateTopic = Topics.conversationState(this.id);
    const timer = setTimeout(() => void this.transport.clearRetained(stateTopic).catch(() => {}), this.spec.stateRetentionMs);
    timer.unref();
    this.onSettled(this);
  }

  private publishEvent(type: ConversationEvent['type'], progress?: ProgressReport, attempt?: number): void {
    const { context } = this.machine.getSnapshot();
    const seq = ++this.seq;
    const body: ConversationEvent = {
      type,
      state: this.state,
      requester: this.transport.module,
      responder: this.to,
      query: this.schema,
      requestId: this.requestId,
      // While a transition runs the snapshot is the one before it, so the effect passes the new attempt number.
      attempt: attempt ?? Math.max(1, context.attempts),
      ...(progress ? { progress } : {}),
      ...(context.error ? { error: context.error } : {}),
      ...(context.result ? { result: { schema: context.result.schema, messageId: context.result.messageId } } : {}),
    };
    const event = eventEnvelope({ from: this.transport.module, conversationId: this.id, seq, schema: 'conversation.event@1', body, ...this.parent() });
    const snapshot = { ...this.snapshot(), seq };
    const state = eventEnvelope({ from: this.transport.module, conversationId: this.id, seq, schema: 'conversation.state@1', body: snapshot, ...this.parent() });
    this.enqueue(async () => {
      await this.transport.publish(Topics.conversationEvents(this.id), event);
      await this.transport.publish(Topics.conversationState(this.id), state, { retain: true });
    });
  }

  private parent(): { parentId?: string } {
    return this.spec.parentId ? { parentId: this.spec.parentId } : {};
  }

  private requestEnvelope(): Envelope {
    const { context } = this.machine.getSnapshot();
    return createEnvelope({
      id: this.requestId,
      kind: 'request',
      from: this.transport.module,
      to: this.to,
      conversationId: this.id,
      replyTo: this.transport.replyTopic,
      deadline: new Date(context.deadline).toISOString(),
      schema: this.schema,
      body: this.spec.body,
      ...this.parent(),
    });
  }

  private controlEnvelope(kind: 'cancel' | 'request', schema: string, body: unknown): Envelope {
    return createEnvelope({
      kind,
      from: this.transport.module,
      to: this.to,
      conversationId: this.id,
      correlationId: this.requestId,
      replyTo: this.transport.replyTopic,
      schema,
      body,
      ...this.parent(),
    });
  }

  private enqueue(work: () => Promise<void>): void {
    this.outbox = this.outbox.then(work).catch(() => {
      // A publish that fails while disconnected is retried by mqtt.js's outgoing store on reconnect.
    });
  }
}

function toMachineEvent(envelope: Envelope): ConversationMachineEvent | undefined {
  switch (envelope.kind) {
    case 'progress':
      return { type: 'PROGRESS', report: (envelope.body ?? {}) as ProgressReport };
    case 'reply':
      return { type: 'REPLY', schema: envelope.schema, messageId: envelope.id, body: envelope.body };
    case 'error':
      return { type: 'ERROR', error: envelope.body as ErrorReply };
    default:
      return undefined;
  }
}

/** The reply body, or the error that ended the conversation. */
function outcomeOf<R>(output: ConversationOutput | undefined): R {
  if (output?.result) return output.result.body as R;
  throw output?.error ? CommsError.fromBody(output.error) : new CommsError('E_HANDLER_FAILED', 'the conversation ended without a result or an error');
}
