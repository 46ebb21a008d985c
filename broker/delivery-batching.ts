import type { Writable } from 'node:stream';
import type { Aedes } from 'aedes';

/** How long deliveries to a whole-bus subscriber may wait for company, and how much may wait. */
export interface DeliveryBatching {
  /** Longest hold of a delivery, ms. */
  windowMs: number;
  /** Held bytes at which the batch leaves at once, even before `windowMs` (held past the stream's own 16 KiB high-water mark). */
  maxBytes: number;
}

/**
 * Default: 20 ms, short enough that the record is live to a reader, long enough that one
 * conversation at a time still fills batches of dozens of messages (bench section 3a: the
 * recorder's CPU per conversation falls from ~145 µs at 5 ms to ~110); 64 KiB, a loopback read, so
 * a flood leaves at once.
 */
export const DEFAULT_DELIVERY_BATCHING: DeliveryBatching = { windowMs: 20, maxBytes: 64 * 1024 };

/**
 * Deliveries to a subscriber of the whole bus (`filter`, the recorder's `comms/v1/#`) leave in
 * batches (docs/architecture.md, "Deliveries to the recorder leave in batches"). Such a subscriber
 * is on nobody's critical path: the broker acknowledges a publish without waiting for its
 * subscribers. Yet with one conversation at a time each delivery to it was a socket write of its
 * own, a system call that on loopback also wakes the reader: a third of the broker's writes and
 * more of the recorder's reads. The subscriber's connection is corked when a delivery finds it
 * idle and uncorked `windowMs` later (or once `maxBytes` wait), so the batch leaves in one write and
 * the recorder reads and commits it as one group. Nothing is lost by holding: a held QoS 1 message
 * is unacknowledged, so the broker still owns it.
 */
export function batchWholeBusDeliveries(aedes: Aedes, filter: string, batching: DeliveryBatching = DEFAULT_DELIVERY_BATCHING): void {
  aedes.on('subscribe', (subscriptions, client) => {
    if (subscriptions.some((subscription) => subscription.topic === filter)) holdWrites(client.conn as Writable, batching);
  });
}

const holding = new WeakSet<Writable>();

function holdWrites(stream: Writable, { windowMs, maxBytes }: DeliveryBatching): void {
  if (holding.has(stream) || typeof stream.cork !== 'function') return;
  holding.add(stream);
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    stream.uncork();
  };
  const write = stream.write;
  // mqtt-packet writes a packet in several calls and corks for one tick itself; this holds one more cork level.
  stream.write = function heldWrite(this: Writable, ...args: Parameters<Writable['write']>): boolean {
    if (timer === undefined && !stream.destroyed) {
      stream.cork();
      timer = setTimeout(release, windowMs);
    }
    const accepted = write.apply(this, args);
    // Held on purpose, and bounded: past the stream's high-water mark (16 KiB) the writer is not told to wait for
    // 'drain' until maxBytes are held. Once released, a full socket says so again (writableLength stays high).
    if (timer !== undefined && stream.writableLength < maxBytes) return true;
    release();
    return accepted;
  } as Writable['write'];
  stream.once('close', release);
}
