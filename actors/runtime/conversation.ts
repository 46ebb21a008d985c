import { EventEmitter } from 'node:events';
import { CommsError, type ConversationSnapshot, type ConversationStateName, type Envelope, type ErrorReply, type ProgressReport } from '../../protocol/index.ts';
import type { ConversationMachineEvent, ConversationOutput } from '../../state-machines/index.ts';
import { ConversationWire, type ConversationEvents, type ConversationOwner, type ConversationSpec, type ConversationTransport } from './conversation-wire.ts';
import { isLeaseRenewal, LEASE_MISSES, LeaseWatch } from './lease.ts';
import { restartVerdict } from './restart-policy.ts';

export type { ConversationEvents, ConversationSpec, ConversationTransport } from './conversation-wire.ts';

/**
 * The requester's handle on one request: runs a ConversationMachine, settles `result` with the reply
 * body or a CommsError, and tells watchers how it goes. A short, quiet conversation costs the request
 * and the reply (one final `conversation.event@1` more when it ends otherwise than by a reply); its
 * lifecycle events are held back and dropped. Once it lasts `eventsAfterMs`, reports progress or
 * re-sends, it publishes what it held and from then on every change to the events topic (gap-free `seq`) and the retained state snapshot
 * (docs/protocol.md, "Message budget of a conversation"). The publishing is ConversationWire's.
 */
export class Conversation<R = unknown> extends EventEmitter<ConversationEvents> implements ConversationOwner {
  readonly id: string;
  readonly requestId: string;
  readonly to: string;
  readonly schema: string;
  readonly result: Promise<R>;
  /** Untyped so a Conversation<R> stays assignable to Conversation<unknown> (the Actor's map holds those). */
  private resolveResult!: (body: unknown) => void;
  private rejectResult!: (error: CommsError) => void;
  private readonly wire: ConversationWire;
  /** Untyped for the same reason as resolveResult. */
  private readonly onSettled: (conversation: Conversation) => void;
  /**
   * The responder's lease on long work (docs/reliability.md#leases); a frozen responder ends the conversation in
   * seconds. Made on the first acknowledgement that declares one: a quick conversation is answered without an ack.
   */
  private lease: LeaseWatch | undefined;
  /** Set by the responder's acknowledgement; cleared when the request is sent again. */
  private ack: { idempotent: boolean } | undefined;
  private reruns = 0;
  private lostSession: string | undefined;

  constructor(
    private readonly spec: ConversationSpec,
    transport: ConversationTransport,
    onSettled: (conversation: Conversation<R>) => void,
  ) {
    super();
    this.id = spec.conversationId;
    this.requestId = spec.requestId;
    this.to = spec.to;
    this.schema = spec.schema;
    this.onSettled = onSettled as (conversation: Conversation) => void;
    this.result = new Promise<R>((resolve, reject) => {
      this.resolveResult = resolve as (body: unknown) => void;
      this.rejectResult = reject;
    });
    // A caller that only listens to events must not get an unhandled rejection.
    this.result.catch(ignore);
    this.wire = new ConversationWire(spec, transport, this);
  }

  /** @internal The machine ended (ConversationOwner): settle `result` with the reply body or the error. */
  settle(output: ConversationOutput): void {
    this.lease?.stop();
    if (output.result) this.resolveResult(output.result.body);
    else this.rejectResult(output.error ? CommsError.fromBody(output.error) : new CommsError('E_HANDLER_FAILED', 'the conversation ended without a result or an error'));
    this.onSettled(this as Conversation);
  }

  /** Its final events (or the cancel) are still on their way to the broker; `flushed()` waits for them. */
  get publishing(): boolean {
    return this.wire.publishing;
  }

  /** Send the request. Separate from the constructor so listeners can be attached first. */
  start(): this {
    this.wire.start();
    return this;
  }

  get state(): ConversationStateName {
    return this.wire.machine.state;
  }

  get percent(): number {
    return this.wire.machine.context.percent;
  }

  /** Sends of the request so far (1 unless it was re-sent). */
  get attempts(): number {
    return this.wire.machine.context.attempts;
  }

  /** Whether lifecycle events go to the bus (false while the conversation is short and quiet). */
  get public(): boolean {
    return this.wire.public;
  }

  /** Feed a message from the reply topic into the machine. */
  receive(envelope: Envelope): void {
    if (envelope.replyTo) this.wire.holder = envelope.replyTo;
    if (envelope.kind === 'progress' && this.takeLease((envelope.body ?? {}) as ProgressReport)) return;
    const event = toMachineEvent(envelope);
    if (!event) return;
    this.wire.answered();
    this.wire.machine.send(event);
  }

  cancel(reason?: string): void {
    this.wire.machine.send({ type: 'CANCEL', reason });
  }

  provideInput(input: unknown): void {
    this.wire.machine.send({ type: 'PROVIDE_INPUT', input });
  }

  /** The reply topic of the replica holding the request, once it has answered with one. */
  get holderTopic(): string | undefined {
    return this.wire.holder;
  }

  get retryOnReplicaLoss(): boolean {
    return this.wire.retryOnReplicaLoss;
  }

  /** The holder is gone: cancels go to the module's inbox again until a new replica answers. */
  forgetHolder(): void {
    this.wire.holder = undefined;
  }

  /** The responder's will (or offline status) arrived; `sessionId` is the session that went. */
  peerLost(sessionId?: string): void {
    // Its will says it is gone: the peer-loss grace applies, not the lease.
    this.lease?.stop();
    this.lostSession = sessionId;
    this.wire.machine.send({ type: 'PEER_LOST' });
  }

  /** The responder is online again: re-send, unless it restarted and must not run the request twice. */
  peerBack(sessionId?: string): void {
    if (!this.wire.machine.waitingForPeer) return;
    const verdict = restartVerdict({ ack: this.ack, lostSession: this.lostSession, backSession: sessionId, reruns: this.reruns, allowedReruns: this.spec.retryAttempts, responder: this.to, query: this.schema });
    if (!verdict.resend) return void this.wire.machine.send({ type: 'ERROR', error: verdict.error });
    if (verdict.rerun) this.reruns++;
    this.ack = undefined;
    this.wire.machine.send({ type: 'PEER_BACK' });
  }

  /** The requester's own broker connection dropped / came back: a lease cannot be judged meanwhile. */
  connectionChanged(connected: boolean): void {
    if (connected) this.lease?.resume();
    else this.lease?.hold();
  }

  /** Lease bookkeeping for a progress report; true when it was only a renewal (not a progress step). */
  private takeLease(report: ProgressReport): boolean {
    if (report.leaseMs !== undefined) {
      this.lease ??= new LeaseWatch({ probe: () => this.wire.resendRequest(), expire: (leaseMs) => this.leaseExpired(leaseMs) });
      this.lease.renew(report.leaseMs);
    }
    if (isLeaseRenewal(report)) return true;
    if (report.stage === 'accepted') this.ack = { idempotent: report.idempotent === true };
    return false;
  }

  private leaseExpired(leaseMs: number): void {
    const silence = `${this.to} acknowledged ${this.schema} but sent no lease renewal for ${leaseMs * LEASE_MISSES} ms (lease ${leaseMs} ms)`;
    this.wire.sendCancel('lease expired');
    this.wire.machine.send({ type: 'ERROR', error: { code: 'E_LEASE_EXPIRED', message: `${silence}: it is frozen, overloaded or cut off. A cancel was sent; check the responder and send the request again.` } });
  }

  /** Resolves once every event of this conversation has been handed to the broker. */
  flushed(): Promise<void> {
    return this.wire.flushed();
  }

  snapshot(): ConversationSnapshot {
    return this.wire.snapshot();
  }
}

function ignore(): void {}

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
