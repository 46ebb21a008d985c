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
  /** Re-send to another replica when the one holding the request is lost (idempotent queries only; docs/scaling.md). */
  retryOnReplicaLoss?: boolean;
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
  /** The replica's own topic named in its answers' replyTo (docs/scaling.md): cancels and inputs go there, not to the shared inbox. */
  private holder: string | undefined;

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
    this.machine.on('send-cancel', ({ reason }) => this.enqueue(() => this.transport.publish(this.controlTopic(), this.controlEnvelope('cancel', 'cancel@1', reason ? { reason } : {}))));
    this.machine.on('send-input', ({ input }) => this.enqueue(() => this.transport.publish(this.controlTopic(), this.controlEnvelope('request', 'conversation.input@1', { input }))));
    this.machine.on('progress', ({ report }) => {
      this.emit('progress', report);
      if (report.inputRequired) this.emit('input-required', report.inputRequired.prompt);
      this.publishEvent('progress', report);
    });
    // Every snapshot first (the final state's event goes out), then XState's completion settles.
    this.machine.subscribe({ next: (snapshot) => this.onSnapshot(conversationStateName(snapshot)), complete: () => this.settled() });
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
    if (envelope.replyTo) this.holder = envelope.replyTo;
    const event = toMachineEvent(envelope);
    if (event) this.machine.send(event);
  }

  cancel(reason?: string): void {
    this.machine.send({ type: 'CANCEL', reason });
  }

  provideInput(input: unknown): void {
    this.machine.send({ type: 'PROVIDE_INPUT', input });
  }

  /** The reply topic of the replica holding the request, once it has answered with one. */
  get holderTopic(): string | undefined {
    return this.holder;
  }

  get retryOnReplicaLoss(): boolean {
    return this.spec.retryOnReplicaLoss === true;
  }

  /** The holder is gone: cancels go to the module's inbox again until a new replica answers. */
  forgetHolder(): void {
    this.holder = undefined;
  }

  peerLost(): void {
    this.machine.send({ type: 'PEER_LOST' });
  }

  peerBack(): void {
    this.machine.send({ type: 'PEER_BACK' });
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

  private controlTopic(): string {
    return this.holder ?? Topics.moduleInbox(this.spec.to);
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
