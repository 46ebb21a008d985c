import { EventEmitter } from 'node:events';
import {
  CommsError,
  createEnvelope,
  FINAL_STATES,
  eventEnvelope,
  Topics,
  type ConversationEvent,
  type ConversationSnapshot,
  type ConversationStateName,
  type Envelope,
  type ErrorReply,
  type ProgressReport,
} from '../../protocol/index.ts';
import type { AckWatch } from './ack-watch.ts';
import { ConversationMachine, type ConversationMachineEvent, type ConversationOutput } from '../../state-machines/index.ts';

/** How the conversation reaches the bus; the owning Actor supplies it. */
export interface ConversationTransport {
  readonly module: string;
  readonly replyTopic: string;
  readonly acks: AckWatch;
  publish(topic: string, envelope: Envelope, options?: { retain?: boolean }): Promise<void>;
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
}

export interface ConversationEvents {
  state: [ConversationStateName, ConversationSnapshot];
  progress: [ProgressReport];
  'input-required': [string];
  /** The acknowledgement is overdue but the responder is still answering earlier requests: waiting, not re-sending. */
  queued: [];
}

/**
 * The requester's handle on one request: runs a ConversationMachine, settles `result` with the reply
 * body or a CommsError, and tells watchers how it goes. A short, quiet conversation costs the request,
 * the reply and one final `conversation.event@1`; its earlier lifecycle events are held back and
 * dropped. Once it lasts `eventsAfterMs`, reports progress or re-sends, it publishes what it held and
 * from then on every change to the events topic (gap-free `seq`) and the retained state snapshot
 * (docs/protocol.md, "Message budget of a conversation").
 */
export class Conversation<R = unknown> extends EventEmitter<ConversationEvents> {
  readonly id: string;
  readonly requestId: string;
  readonly to: string;
  readonly schema: string;
  readonly result: Promise<R>;
  private readonly machine: ConversationMachine;
  private seq = 0;
  private readonly startedAt = new Date().toISOString();
  /** The ticket of the latest send (AckWatch), to tell the responder's answers apart in order. */
  private ticket = 0;
  /** Lifecycle events not published yet: the conversation is still quiet. Undefined once it is public. */
  private held: ConversationEvent[] | undefined = [];
  private quietTimer: NodeJS.Timeout | undefined;
  private snapshotQueued = false;
  /** Publishes are chained so events leave in seq order even though each publish is async. */
  private outbox: Promise<void> = Promise.resolve();

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
    let settle!: (output: ConversationOutput) => void;
    this.result = new Promise<ConversationOutput>((resolve) => (settle = resolve)).then((output) => outcomeOf<R>(output));
    // A caller that only listens to events must not get an unhandled rejection.
    this.result.catch(() => {});
    const input = {
      requestId: spec.requestId,
      deadline: Date.now() + spec.timeoutMs,
      ackTimeoutMs: spec.ackTimeoutMs,
      maxAttempts: spec.maxAttempts,
      peerGraceMs: spec.peerGraceMs,
      stillQueued: (overdue: { dueAt: number; periodMs: number }) => transport.acks.stillQueued(spec.to, this.ticket, overdue),
    };
    this.machine = new ConversationMachine(input, {
      sendRequest: (attempt) => this.sendRequest(attempt),
      sendCancel: (reason) => this.enqueue(() => this.transport.publish(Topics.moduleInbox(spec.to), this.controlEnvelope('cancel', 'cancel@1', reason ? { reason } : {}))),
      sendInput: (value) => this.enqueue(() => this.transport.publish(Topics.moduleInbox(spec.to), this.controlEnvelope('request', 'conversation.input@1', { input: value }))),
      queued: () => this.emit('queued'),
      progress: (report) => this.onProgress(report),
      changed: (state) => this.onState(state),
      done: (output) => {
        clearTimeout(this.quietTimer);
        settle(output);
        this.onSettled(this);
      },
    });
  }

  /** Send the request. Separate from the constructor so listeners can be attached first. */
  start(): this {
    if (this.spec.eventsAfterMs <= 0) this.held = undefined;
    else {
      this.quietTimer = setTimeout(() => this.goPublic(), this.spec.eventsAfterMs);
      this.quietTimer.unref();
    }
    this.machine.start();
    return this;
  }

  get state(): ConversationStateName {
    return this.machine.state;
  }

  get percent(): number {
    return this.machine.context.percent;
  }

  /** Sends of the request so far (1 unless it was re-sent). */
  get attempts(): number {
    return this.machine.context.attempts;
  }

  /** Whether lifecycle events go to the bus (false while the conversation is short and quiet). */
  get public(): boolean {
    return this.held === undefined;
  }

  /** Feed a message from the reply topic into the machine. */
  receive(envelope: Envelope): void {
    const event = toMachineEvent(envelope);
    if (!event) return;
    this.transport.acks.answered(this.to, this.ticket);
    this.machine.send(event);
  }

  cancel(reason?: string): void {
    this.machine.send({ type: 'CANCEL', reason });
  }

  provideInput(input: unknown): void {
    this.machine.send({ type: 'PROVIDE_INPUT', input });
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
    const context = this.machine.context;
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

  private sendRequest(attempt: number): void {
    if (attempt > 1) this.publishEvent('attempt');
    this.ticket = this.transport.acks.sent();
    this.enqueue(() => this.transport.publish(Topics.moduleInbox(this.to), this.requestEnvelope()));
  }

  private onProgress(report: ProgressReport): void {
    this.emit('progress', report);
    if (report.inputRequired) this.emit('input-required', report.inputRequired.prompt);
    if (!isBareAck(report)) this.goPublic();
    this.publishEvent('progress', report);
  }

  private onState(state: ConversationStateName): void {
    this.publishEvent('state');
    if (this.listenerCount('state') > 0) this.emit('state', state, this.snapshot());
  }

  /** From now on every change is published; what was held goes out first, in order. */
  private goPublic(): void {
    const held = this.held;
    if (!held) return;
    clearTimeout(this.quietTimer);
    this.held = undefined;
    for (const event of held) this.send(event);
  }

  private publishEvent(type: ConversationEvent['type'], progress?: ProgressReport): void {
    if (type === 'attempt') this.goPublic();
    const event = this.eventBody(type, progress);
    if (!this.held) return this.send(event);
    // A quiet conversation says only how it ended, without a retained snapshot that someone would have to clear.
    if (type === 'state' && FINAL_STATES.includes(event.state)) this.send(event, false);
    else this.held.push(event);
  }

  private eventBody(type: ConversationEvent['type'], progress?: ProgressReport): ConversationEvent {
    const context = this.machine.context;
    return {
      type,
      state: this.state,
      requester: this.transport.module,
      responder: this.to,
      query: this.schema,
      requestId: this.requestId,
      attempt: Math.max(1, context.attempts),
      ...(progress ? { progress } : {}),
      ...(context.error ? { error: context.error } : {}),
      ...(context.result ? { result: { schema: context.result.schema, messageId: context.result.messageId } } : {}),
    };
  }

  private send(body: ConversationEvent, withSnapshot = true): void {
    const event = eventEnvelope({ from: this.transport.module, conversationId: this.id, seq: ++this.seq, schema: 'conversation.event@1', body, ...this.parent() });
    this.enqueue(() => this.transport.publish(Topics.conversationEvents(this.id), event));
    if (withSnapshot) this.queueSnapshot();
  }

  /** One retained snapshot per burst of events: by the time it is sent, only the latest state matters. */
  private queueSnapshot(): void {
    if (this.snapshotQueued) return;
    this.snapshotQueued = true;
    this.enqueue(() => {
      this.snapshotQueued = false;
      const state = eventEnvelope({ from: this.transport.module, conversationId: this.id, seq: this.seq, schema: 'conversation.state@1', body: this.snapshot(), ...this.parent() });
      return this.transport.publish(Topics.conversationState(this.id), state, { retain: true });
    });
  }

  private parent(): { parentId?: string } {
    return this.spec.parentId ? { parentId: this.spec.parentId } : {};
  }

  private requestEnvelope(): Envelope {
    const context = this.machine.context;
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

/** The responder's plain "got it": no news for anyone but the requester. */
function isBareAck(report: ProgressReport): boolean {
  return report.stage === 'accepted' && !report.percent && !report.note && !report.inputRequired && !report.extendDeadline;
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
