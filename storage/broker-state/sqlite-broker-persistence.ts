import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { CommsError } from '../../protocol/index.ts';
import type { BrokerRef, ClientRef } from './aedes-shapes.ts';
import { migrateBrokerState } from './migrations.ts';
import type { StoredPacket } from './packet-codec.ts';
import { IncomingPackets, OutgoingQueues } from './packet-queues.ts';
import { RetainedStore } from './retained-store.ts';
import { SubscriptionStore, type SubscriptionMatch, type SubscriptionOptions } from './subscription-store.ts';
import { WillStore } from './will-store.ts';

export type { SubscriptionMatch, SubscriptionOptions } from './subscription-store.ts';

/**
 * aedes persistence on better-sqlite3: the state a broker crash must not lose (retained messages,
 * persistent-session subscriptions, queued and in-flight QoS 1/2 messages, incoming QoS 2 packets,
 * wills). The working set lives in memory with the same structures and semantics as aedes'
 * in-memory persistence; every change is written through to SQLite, synchronously, before the
 * method's promise resolves. aedes sends the PUBACK only after outgoingEnqueueCombi resolves, so a
 * PUBACK means the message is in the WAL: it survives a broker SIGKILL (synchronous = NORMAL; an OS
 * crash can lose the last commits). On construction the memory is rebuilt from the file.
 * This class is aedes' interface; each kind of state lives in its own store (retained-store.ts,
 * subscription-store.ts, packet-queues.ts, will-store.ts). See docs/storage.md, "Broker state".
 */
export class SqliteBrokerPersistence {
  private readonly db: Database;
  private brokerRef: BrokerRef | undefined;
  private readonly retained: RetainedStore;
  private readonly subscriptions: SubscriptionStore;
  private readonly outgoing: OutgoingQueues;
  private readonly incoming: IncomingPackets;
  private readonly wills: WillStore;
  private destroyed = false;

  constructor(readonly path: string) {
    try {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.db = new BetterSqlite3(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      migrateBrokerState(this.db);
    } catch (err) {
      throw new CommsError('E_STORAGE', `cannot open broker state ${path}: ${(err as Error).message}`, undefined, { cause: err });
    }
    // Each store reads its table once; from then on it is kept in memory.
    this.retained = new RetainedStore(this.db);
    this.subscriptions = new SubscriptionStore(this.db);
    this.outgoing = new OutgoingQueues(this.db);
    this.incoming = new IncomingPackets(this.db);
    this.wills = new WillStore(this.db);
  }

  /** aedes (and the abstract test suite) reach the broker through the persistence. */
  get broker(): BrokerRef | undefined {
    return this.brokerRef;
  }

  async setup(broker: BrokerRef): Promise<void> {
    this.brokerRef = broker;
  }

  async storeRetained(pkt: StoredPacket): Promise<void> {
    this.retained.put(pkt);
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    return this.retained.streamCombi(patterns);
  }

  createRetainedStream(pattern: string): Readable {
    return this.retained.stream(pattern);
  }

  async addSubscriptions(client: ClientRef, subs: Array<SubscriptionOptions & { topic: string }>): Promise<void> {
    this.subscriptions.add(client.id, subs);
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    this.subscriptions.remove(client.id, topics);
  }

  async subscriptionsByClient(client: ClientRef): Promise<Array<SubscriptionOptions & { topic: string }>> {
    return this.subscriptions.byClient(client.id);
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return this.subscriptions.count();
  }

  async subscriptionsByTopic(topic: string): Promise<SubscriptionMatch[]> {
    return this.subscriptions.byTopic(topic);
  }

  async cleanSubscriptions(client: ClientRef): Promise<void> {
    this.subscriptions.clean(client.id);
  }

  getClientList(topic: string): Readable {
    return this.subscriptions.clientList(topic);
  }

  async outgoingEnqueue(sub: { clientId: string }, packet: StoredPacket): Promise<void> {
    await this.outgoingEnqueueCombi([sub], packet);
  }

  /**
   * Make an incoming QoS 1 PUBLISH durable before aedes acknowledges it. aedes 1.x writes the PUBACK
   * first and only then stores the retained copy and queues the message for persistent sessions
   * (lib/handlers/publish.js), so a broker crash in between loses an acked message. The embedded
   * broker calls this from authorizePublish, which runs before the PUBACK: the retained copy and one
   * outgoing row per matching persistent session are committed here; outgoingEnqueueCombi later
   * adopts these rows instead of writing again. Rows carry a unique placeholder broker id/counter
   * (aedes' own are assigned after this point), which is what a restarted broker replays them with.
   */
  persistBeforeAck(packet: StoredPacket): void {
    if (packet['retain']) this.retained.put(packet);
    const subs = this.subscriptions.byTopic(packet['topic'] as string);
    this.outgoing.preWrite(
      packet,
      subs.map((sub) => sub.clientId),
      this.brokerRef?.id ?? 'broker',
    );
  }

  /** The write the PUBACK waits for: one transaction for every persistent session the message goes to. */
  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: StoredPacket): Promise<void> {
    this.outgoing.enqueueCombi(subs, packet);
  }

  async outgoingUpdate(client: ClientRef, packet: StoredPacket): Promise<void> {
    this.outgoing.update(client.id, packet);
  }

  async outgoingClearMessageId(client: ClientRef, packet: StoredPacket): Promise<StoredPacket | undefined> {
    return this.outgoing.clearMessageId(client.id, packet);
  }

  outgoingStream(client: ClientRef): Readable {
    return this.outgoing.stream(client.id);
  }

  async incomingStorePacket(client: ClientRef, packet: StoredPacket): Promise<void> {
    this.incoming.store(client.id, packet);
  }

  async incomingGetPacket(client: ClientRef, packet: StoredPacket): Promise<StoredPacket> {
    return this.incoming.get(client.id, packet);
  }

  async incomingDelPacket(client: ClientRef, packet: StoredPacket): Promise<void> {
    this.incoming.del(client.id, packet);
  }

  async cleanIncoming(client: ClientRef): Promise<void> {
    this.incoming.clean(client.id);
  }

  async putWill(client: ClientRef, packet: StoredPacket): Promise<void> {
    this.wills.put(client.id, this.brokerRef?.id, packet);
  }

  async getWill(client: ClientRef): Promise<StoredPacket | undefined> {
    return this.wills.get(client.id);
  }

  async delWill(client: ClientRef): Promise<StoredPacket | undefined> {
    // aedes' connect passes the Client (delete whatever is stored); its will publisher passes {id, brokerId}.
    return this.wills.del(client.id, typeof client.brokerId === 'string' ? client.brokerId : undefined);
  }

  /** Wills of brokers not in `brokers`: after a restart, those of the crashed broker, which aedes then publishes. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return this.wills.stream(brokers, (clientId) => this.brokerRef?.clients?.[clientId] !== undefined);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('destroyed called twice!');
    this.destroyed = true;
    this.db.close();
  }
}
