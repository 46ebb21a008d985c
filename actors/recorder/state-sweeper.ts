import { FINAL_STATES, type ConversationStateName, type Envelope } from '../../protocol/index.ts';

/**
 * Clears the retained state snapshot of a conversation that ended, `retentionMs` after its final
 * state was sent: the system's job, so snapshots do not outlive a requester that died or whose
 * own timer never ran. A retained final snapshot seen at (re)subscription that is already older
 * than that is cleared at once. Timers are unref'd and cleared on stop. It reads the envelope the
 * recorder already decoded.
 */
export class StateSweeper {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly clear: (topic: string) => Promise<void>,
    private readonly retentionMs: number,
  ) {}

  /** A message on a conversation's state topic: an empty payload (cleared) has no envelope. */
  observe(topic: string, envelope: Envelope | undefined): void {
    this.forget(topic);
    if (!envelope) return;
    const state = (envelope.body as { state?: ConversationStateName } | null)?.state;
    if (state === undefined || !FINAL_STATES.includes(state)) return;
    const sentAt = Date.parse(envelope.sentAt);
    const delay = Math.max(0, this.retentionMs - (Date.now() - (Number.isNaN(sentAt) ? Date.now() : sentAt)));
    const timer = setTimeout(() => {
      this.timers.delete(topic);
      void this.clear(topic).catch(() => {});
    }, delay);
    timer.unref();
    this.timers.set(topic, timer);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private forget(topic: string): void {
    const timer = this.timers.get(topic);
    if (timer) clearTimeout(timer);
    this.timers.delete(topic);
  }
}
