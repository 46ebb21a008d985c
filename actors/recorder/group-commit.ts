import type { IncomingMessage } from '../../storage/index.ts';

/**
 * Groups of the messages the recorder's MQTT subscription receives, one transaction each
 * (docs/architecture.md, The recorder and ack-after-commit). A message that arrives alone waits up
 * to `lingerMs` for others. A group of `fullGroup` waits no more: it is committed as soon as the
 * messages already read have joined it, at the end of the current read (the next `setImmediate`),
 * so a batch that came in one socket read is one transaction however large; `maxGroup` bounds a
 * transaction all the same. Every message of a group gets the same promise, settled by the group's
 * commit: its PUBACK waits for it, so an acknowledged message is in SQLite and a group that could
 * not be committed is acknowledged by nobody (the broker redelivers it; the recorder stores a
 * message once per id and topic).
 *
 * Why wait at all: with one conversation at a time the messages come one by one, a fraction of a
 * millisecond apart, and a commit per message cost the recorder more CPU than the broker,
 * responder and requester together spend on the conversation (bench section 3a). A commit every
 * `lingerMs` at most bounds that cost; recording is beside the conversation's path, not on it
 * (the broker does not wait for a subscriber's PUBACK to forward or acknowledge a publish).
 * Why not wait for a full group: mosquitto sends at most 20 unacknowledged messages by default
 * (max_inflight_messages), so a group that waited for more would wait out the linger every time.
 */
export class GroupCommit {
  private group: IncomingMessage[] = [];
  private committed: Promise<void> | undefined;
  private settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private endOfRead: NodeJS.Immediate | undefined;

  constructor(
    private readonly commit: (group: readonly IncomingMessage[]) => void,
    private readonly sizes: { lingerMs: number; fullGroup: number; maxGroup: number },
  ) {}

  /** Resolves when the message's group is committed; rejects when it could not be. */
  add(message: IncomingMessage): Promise<void> {
    this.group.push(message);
    let committed = this.committed;
    if (committed === undefined) {
      committed = this.committed = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
      this.timer = setTimeout(this.flush, this.sizes.lingerMs);
    }
    const size = this.group.length;
    if (size >= this.sizes.maxGroup) this.flush();
    else if (size >= this.sizes.fullGroup) this.endOfRead ??= setImmediate(this.flush);
    return committed;
  }

  /** Commit what is waiting now (also on stop, before the database closes). */
  readonly flush = (): void => {
    const { group, settle } = this;
    if (settle === undefined) return;
    clearTimeout(this.timer);
    clearImmediate(this.endOfRead);
    this.group = [];
    this.committed = undefined;
    this.settle = undefined;
    this.timer = undefined;
    this.endOfRead = undefined;
    try {
      this.commit(group);
    } catch (err) {
      settle.reject(err);
      return;
    }
    settle.resolve();
  };
}
