import type { Envelope } from '../../protocol/index.ts';

/**
 * A conversation's publishes, one at a time and in the order they were queued, so its events leave
 * in seq order although each publish is asynchronous. A queue, not a promise chain: an open
 * conversation holds no promises or closures for it (its one bound callback is made at the first
 * publish). ConversationWire extends it, so a conversation is one object, not two.
 */
export abstract class PublishQueue {
  /** Publishes waiting behind the one in flight, as topic/envelope pairs (no envelope: the retained snapshot as it is by then). */
  private queue: Array<string | Envelope | undefined> | undefined;
  /** Publishes queued or in flight: while there are any, the Actor's stop() waits for this conversation. */
  private pending = 0;
  private sending = false;
  /** flushed() callers waiting for `pending` to reach 0. */
  private flushWaiters: Array<() => void> | undefined;
  /** `published` bound to this queue, made at the first publish: the prototype method needs its `this` as a callback. */
  private onPublished: (() => void) | undefined;

  /** Publish one message and call `done` when it settled, delivered or not; may throw (then it counts as settled). */
  protected abstract publishNow(topic: string, envelope: Envelope | undefined, done: () => void): void;

  /** Everything queued has settled. */
  protected abstract drained(): void;

  /** Events or the snapshot are still on their way to the broker. */
  get publishing(): boolean {
    return this.pending > 0;
  }

  /** Resolves once every publish queued so far, and any it queues behind it, has settled. */
  flushed(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => (this.flushWaiters ??= []).push(resolve));
  }

  /** Queue a publish behind the earlier ones; no envelope means "the retained snapshot as it is by then". */
  protected enqueue(topic: string, envelope: Envelope | undefined): void {
    this.pending++;
    // A two-slot array for the usual single publish (a pushed-to empty array takes 17); dropped when drained.
    if (this.queue === undefined) this.queue = [topic, envelope];
    else this.queue.push(topic, envelope);
    if (this.sending) return;
    this.sending = true;
    // Even with nothing ahead, the publish waits for a microtask: mqtt.js flushes its socket writes on the next tick, so
    // a publish made in the microtasks after a read goes out in one write with the PUBACK of what was read; one made
    // synchronously in the read would be flushed alone, before them (a write, i.e. a syscall, more per conversation).
    if (due.push(this) === 1) queueMicrotask(sendDue);
  }

  /** @internal Publish the next queued message; called again when it settles. */
  sendNext(): void {
    const queue = this.queue;
    if (queue === undefined || queue.length === 0) {
      this.queue = undefined;
      this.sending = false;
      return;
    }
    const topic = queue.shift() as string;
    const envelope = queue.shift() as Envelope | undefined;
    if (queue.length === 0) this.queue = undefined;
    const published = (this.onPublished ??= this.published.bind(this));
    try {
      this.publishNow(topic, envelope, published);
    } catch {
      queueMicrotask(published);
    }
  }

  /** One publish settled, delivered or not (a publish that fails while disconnected is retried by mqtt.js's outgoing store). */
  private published(): void {
    this.pending--;
    this.sendNext();
    if (this.pending !== 0) return;
    const waiters = this.flushWaiters;
    this.flushWaiters = undefined;
    if (waiters) for (const resolve of waiters) resolve();
    this.drained();
  }
}

/** Queues whose first publish waits for the microtask after the current read (see enqueue): one microtask for all of them, no closure per queue. */
let due: PublishQueue[] = [];

function sendDue(): void {
  const queues = due;
  due = [];
  for (const queue of queues) queue.sendNext();
}
