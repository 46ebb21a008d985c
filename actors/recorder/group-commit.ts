import type { IncomingMessage } from '../../storage/index.ts';

/**
 * Groups of the messages the recorder's MQTT subscription receives, one transaction each
 * (docs/architecture.md, The recorder and ack-after-commit). A message that arrives alone waits up
 * to `lingerMs` for others; a group is committed at once when it reaches `maxGroup`. Every message
 * of a group gets the same promise, settled by the group's commit: its PUBACK waits for it, so an
 * acknowledged message is in SQLite and a group that could not be committed is acknowledged by
 * nobody (the broker redelivers it; the recorder stores a message once per id and topic).
 *
 * Why wait at all: with one conversation at a time the messages come one by one, a fraction of a
 * millisecond apart, and a commit per message cost the recorder more CPU than the broker,
 * responder and requester together spend on the conversation (bench section 3a). A commit every
 * `lingerMs` at most bounds that cost; recording is beside the conversation's path, not on it
 * (the broker does not wait for a subscriber's PUBACK to forward or acknowledge a publish).
 */
export class GroupCommit {
  private group: IncomingMessage[] = [];
  private committed: Promise<void> | undefined;
  private settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly commit: (group: readonly IncomingMessage[]) => void,
    private readonly lingerMs: number,
    private readonly maxGroup: number,
  ) {}

  /** Resolves when the message's group is committed; rejects when it could not be. */
  add(message: IncomingMessage): Promise<void> {
    this.group.push(message);
    let committed = this.committed;
    if (committed === undefined) {
      committed = this.committed = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
      this.timer = setTimeout(this.flush, this.lingerMs);
    }
    if (this.group.length >= this.maxGroup) this.flush();
    return committed;
  }

  /** Commit what is waiting now (also on stop, before the database closes). */
  readonly flush = (): void => {
    const { group, settle } = this;
    if (settle === undefined) return;
    clearTimeout(this.timer);
    this.group = [];
    this.committed = undefined;
    this.settle = undefined;
    this.timer = undefined;
    try {
      this.commit(group);
    } catch (err) {
      settle.reject(err);
      return;
    }
    settle.resolve();
  };
}
