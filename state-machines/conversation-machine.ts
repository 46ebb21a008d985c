import type { ConversationStateName, ErrorReply, ProgressReport } from '../protocol/index.ts';
import type {
  AckOverdue,
  ConversationContext,
  ConversationEffects,
  ConversationInput,
  ConversationMachineEvent,
  ConversationOutput,
  FinalConversationState,
} from './conversation-contract.ts';

/** Timers and start() go through the same queue as the owner's events. */
type InternalEvent = ConversationMachineEvent | { type: 'START' } | { type: 'ACK_OVERDUE' } | { type: 'DEADLINE' } | { type: 'PEER_GRACE_OVER' };

type TimerEvent = Extract<InternalEvent, { type: 'ACK_OVERDUE' | 'DEADLINE' | 'PEER_GRACE_OVER' }>;
const ACK_OVERDUE: TimerEvent = { type: 'ACK_OVERDUE' };
const DEADLINE: TimerEvent = { type: 'DEADLINE' };
const PEER_GRACE_OVER: TimerEvent = { type: 'PEER_GRACE_OVER' };

/** The timer's callback: one function for all machines, so an open conversation holds no closure for its timer. */
function fire(machine: ConversationMachine): void {
  machine.wake();
}

/** Machine states; `queued` and `peerLost` look like `submitted` and `working` from outside. */
type Phase = 'submitted' | 'queued' | 'working' | 'inputRequired' | 'peerLost' | FinalConversationState;

const PROTOCOL_STATE: Record<Phase, ConversationStateName> = {
  submitted: 'submitted',
  queued: 'submitted',
  working: 'working',
  inputRequired: 'input-required',
  peerLost: 'working',
  completed: 'completed',
  failed: 'failed',
  canceled: 'canceled',
  rejected: 'rejected',
  'timed-out': 'timed-out',
};

/**
 * One request's lifecycle on the requester side (docs/protocol.md, drawn in docs/architecture.md):
 * submitted -> working -> (input-required -> working)* -> completed | failed | canceled | rejected | timed-out.
 * An error before the responder acknowledged is a rejection (the work never started); after, a failure.
 * Sending is an effect the owner performs. Written by hand rather than with XState: an XState actor
 * costs more per conversation than a whole raw MQTT round trip (docs/architecture.md).
 */
export class ConversationMachine {
  private phase: Phase = 'submitted';
  private readonly ctx: ConversationContext;
  private readonly ackTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly peerGraceMs: number;
  /**
   * One timer per machine, not one per concern: it wakes at the earliest of the deadline, the phase's due time and the
   * end of the quiet period, and is armed again for the next (10 000 open conversations hold 10 000 timers, not 30 000).
   */
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  /** When the ack period (submitted, queued) or the peer-loss grace (peerLost) runs out, 0 for none; and what is sent then. */
  private phaseDueAt = 0;
  private phaseEvent: TimerEvent = ACK_OVERDUE;
  private readonly quietMs: number;
  /** When the quiet period ends; 0 once the owner was told, or when there is none. */
  private quietAt = 0;
  private waitingSince = 0;
  private started = false;
  /** Events sent before start() (a cancel right after request()), applied once started; made only when one comes. */
  private early: ConversationMachineEvent[] | undefined;
  /** Events sent by an effect while a transition runs wait for it to end, as in a statechart's mailbox; made only when needed. */
  private mailbox: InternalEvent[] | undefined;
  private busy = false;

  constructor(
    input: ConversationInput,
    private readonly effects: ConversationEffects,
  ) {
    this.ctx = { deadline: input.deadline, attempts: 0, percent: 0 };
    this.ackTimeoutMs = input.ackTimeoutMs;
    this.maxAttempts = input.maxAttempts;
    this.maxBackoffMs = input.maxBackoffMs ?? 30_000;
    this.peerGraceMs = input.peerGraceMs;
    this.quietMs = input.quietMs ?? 0;
  }

  get state(): ConversationStateName {
    return PROTOCOL_STATE[this.phase];
  }

  /** The responder went away and the peer-loss grace runs: a PEER_BACK would re-send. */
  get waitingForPeer(): boolean {
    return this.phase === 'peerLost';
  }

  get context(): Readonly<ConversationContext> {
    return this.ctx;
  }

  get ended(): boolean {
    return isFinal(this.phase);
  }

  start(): void {
    this.deliver({ type: 'START' });
  }

  send(event: ConversationMachineEvent): void {
    this.deliver(event);
  }

  /** @internal The timer fired (see `fire`): act on what is due, then wait for the next. */
  wake(): void {
    this.timer = undefined;
    this.timerAt = 0;
    const now = Date.now();
    if (this.quietAt !== 0 && now >= this.quietAt) {
      this.quietAt = 0;
      this.effects.quietOver();
    }
    if (!this.ended && now >= this.ctx.deadline) this.deliver(DEADLINE);
    else if (this.phaseDueAt !== 0 && now >= this.phaseDueAt) {
      this.phaseDueAt = 0;
      this.deliver(this.phaseEvent);
    }
    this.arm();
  }

  deliver(event: InternalEvent): void {
    if (this.busy) {
      (this.mailbox ??= []).push(event);
      return;
    }
    this.busy = true;
    try {
      this.apply(event);
      const mailbox = this.mailbox;
      if (mailbox) for (let next = mailbox.shift(); next; next = mailbox.shift()) this.apply(next);
    } finally {
      this.busy = false;
    }
  }

  private apply(event: InternalEvent): void {
    if (event.type === 'START') return this.begin();
    if (!this.started) return void (this.early ??= []).push(event as ConversationMachineEvent);
    if (this.ended) return;
    switch (event.type) {
      case 'REPLY':
        this.ctx.result = { schema: event.schema, messageId: event.messageId, body: event.body };
        this.ctx.percent = 100;
        return this.finish('completed');
      case 'ERROR':
        if (this.phase === 'submitted' || this.phase === 'queued') return this.finish('rejected', event.error);
        return this.finish('failed', event.error);
      case 'CANCEL':
        // The cancel goes out before the final event, so the owner's last flush includes it.
        this.effects.sendCancel(event.reason);
        return this.finish('canceled', { code: 'E_CANCELED', message: event.reason ? `canceled: ${event.reason}` : 'canceled by the requester' });
      case 'PROGRESS':
        return this.applyProgress(event.report);
      case 'PROVIDE_INPUT':
        if (this.phase !== 'inputRequired') return;
        this.enter('working');
        return this.effects.sendInput(event.input);
      case 'PEER_LOST':
        if (this.phase === 'peerLost') return;
        this.enter('peerLost');
        return this.phaseDue(PEER_GRACE_OVER, Date.now() + this.peerGraceMs);
      case 'PEER_BACK':
        // The responder restarted: send the same request again; it de-duplicates or starts over.
        if (this.phase === 'peerLost') this.submit();
        return;
      case 'PEER_GRACE_OVER':
        return this.finish('failed', { code: 'E_PEER_LOST', message: `the responder went offline and did not come back within ${this.peerGraceMs} ms` });
      case 'ACK_OVERDUE':
        return this.ackOverdue();
      case 'DEADLINE':
        return this.timeOut();
    }
  }

  private begin(): void {
    if (this.started) return;
    this.started = true;
    if (this.quietMs > 0) this.quietAt = Date.now() + this.quietMs;
    this.arm();
    // The request leaves first: nothing else a quiet conversation publishes is on its critical path.
    this.submit();
    this.effects.changed('submitted');
    const early = this.early;
    this.early = undefined;
    if (early) (this.mailbox ??= []).unshift(...early);
  }

  private applyProgress(report: ProgressReport): void {
    const ctx = this.ctx;
    // Progress only moves forward: a late or re-ordered report cannot move the bar back.
    ctx.percent = Math.max(ctx.percent, report.percent ?? ctx.percent);
    ctx.stage = report.stage ?? ctx.stage;
    ctx.note = report.note ?? ctx.note;
    ctx.inputPrompt = report.inputRequired?.prompt;
    const extended = report.extendDeadline ? Date.parse(report.extendDeadline) : NaN;
    if (!Number.isNaN(extended) && extended > ctx.deadline) {
      ctx.deadline = extended;
      this.arm();
    }
    const previous = this.phase;
    this.setPhase(report.inputRequired ? 'inputRequired' : 'working');
    this.effects.progress(report);
    if (PROTOCOL_STATE[previous] !== this.state) this.effects.changed(this.state);
  }

  /** (Re-)send the request and wait for its acknowledgement. */
  private submit(): void {
    this.ctx.attempts++;
    this.enter('submitted');
    this.effects.sendRequest(this.ctx.attempts);
    this.waitForAck();
  }

  private waitForAck(): void {
    this.waitingSince = Date.now();
    this.phaseDue(ACK_OVERDUE, this.waitingSince + this.ackPeriod());
  }

  private ackOverdue(): void {
    const periodMs = this.ackPeriod();
    if (this.effects.stillQueued({ dueAt: this.waitingSince + periodMs, periodMs })) {
      this.setPhase('queued');
      this.waitForAck();
      return this.effects.queued();
    }
    if (this.ctx.attempts < this.maxAttempts) return this.submit();
    this.timeOut();
  }

  /** `ackTimeoutMs`, doubled per attempt, capped at `maxBackoffMs`. */
  private ackPeriod(): number {
    return Math.min(this.ackTimeoutMs * 2 ** Math.max(0, this.ctx.attempts - 1), this.maxBackoffMs);
  }

  private phaseDue(event: TimerEvent, at: number): void {
    this.phaseEvent = event;
    this.phaseDueAt = at;
    this.arm();
  }

  /** Arm the timer for the earliest due time, unless it already wakes up by then (it re-arms itself when it does). */
  private arm(): void {
    if (this.ended) return;
    let next = this.ctx.deadline;
    if (this.phaseDueAt !== 0 && this.phaseDueAt < next) next = this.phaseDueAt;
    if (this.quietAt !== 0 && this.quietAt < next) next = this.quietAt;
    if (this.timer !== undefined && this.timerAt <= next) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(fire, Math.max(0, next - Date.now()), this);
  }

  private timeOut(): void {
    const { percent, stage, attempts } = this.ctx;
    const message = percent > 0 || stage ? `no reply before the deadline (last stage: ${stage ?? 'unknown'}, ${percent}%)` : `no acknowledgement after ${attempts} attempt(s)`;
    this.finish('timed-out', { code: 'E_TIMEOUT', message });
  }

  /** Move to an open phase, telling the owner when the protocol state changes. */
  private enter(phase: Phase): void {
    const before = this.state;
    this.setPhase(phase);
    if (this.state !== before) this.effects.changed(this.state);
  }

  /** Entering a phase ends the previous one's wait; the timer, if armed for it, finds nothing due and re-arms. */
  private setPhase(phase: Phase): void {
    this.phaseDueAt = 0;
    this.phase = phase;
  }

  private finish(state: FinalConversationState, error?: ErrorReply): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (error) this.ctx.error = error;
    this.setPhase(state);
    this.effects.changed(state);
    const { result } = this.ctx;
    const output: ConversationOutput = { state };
    if (result) output.result = result;
    if (this.ctx.error) output.error = this.ctx.error;
    this.effects.done(output);
  }
}

function isFinal(phase: Phase): phase is FinalConversationState {
  return phase === 'completed' || phase === 'failed' || phase === 'canceled' || phase === 'rejected' || phase === 'timed-out';
}
