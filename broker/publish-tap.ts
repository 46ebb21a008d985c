/** A publish as the broker accepted it, handed to the tap before its PUBACK. */
export interface TappedPublish {
  topic: string;
  payload: Buffer;
  /** The publisher's retain flag. */
  retained: boolean;
}

/**
 * Receives each group of accepted publishes in one call, synchronously: when it returns, the group
 * is durable and every PUBACK of the group may go; when it throws, none of them is acknowledged
 * (the publishers are disconnected and resend).
 */
export type PublishTap = (group: readonly TappedPublish[]) => void;

type Continue = (err: Error | null) => void;

/** A group is flushed once the current socket reads are handled (setImmediate), or at this size. */
const MAX_GROUP = 4096;

/**
 * The embedded broker's group commit (docs/architecture.md, The recorder and ack-after-commit).
 * aedes dispatches every PUBLISH of a socket read at once and sends a QoS 1 PUBACK only after
 * `authorizePublish` calls back; so publishes are held here until the event loop has read what
 * is waiting, then given to the tap together, and only then released towards their PUBACKs.
 */
export class PublishGroup {
  private group: TappedPublish[] = [];
  private waiting: Continue[] = [];
  private scheduled = false;
  private tap: PublishTap | undefined;

  setTap(tap: PublishTap | undefined): void {
    this.tap = tap;
  }

  get active(): boolean {
    return this.tap !== undefined;
  }

  add(publish: TappedPublish, next: Continue): void {
    if (!this.tap) return next(null);
    this.group.push(publish);
    this.waiting.push(next);
    if (this.group.length >= MAX_GROUP) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    const group = this.group;
    const waiting = this.waiting;
    if (group.length === 0) return;
    this.group = [];
    this.waiting = [];
    let failure: Error | null = null;
    try {
      this.tap?.(group);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    for (const next of waiting) next(failure);
  }
}
