import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import { CommsError } from '../../protocol/index.ts';
import { migrateBrokerState } from './migrations.ts';
import { decodePacket, encodePacket, type StoredPacket } from './packet-codec.ts';

const require = createRequire(import.meta.url);

/** qlobber's aedes trie (no type declarations ship with it): topic filter -> { clientId, topic, qos... }. */
interface SubscriptionTrie {
  add(topic: string, value: SubscriptionMatch): void;
  remove(topic: string, value: { clientId: string; topic: string }): void;
  match(topic: string): SubscriptionMatch[];
  subscriptionsCount: number;
}
interface TopicTester {
  add(pattern: string): void;
  test(topic: string): boolean;
}
const QlobberSub = require('qlobber/aedes/qlobber-sub') as new (options: object) => SubscriptionTrie;
const { QlobberTrue } = require('qlobber') as { QlobberTrue: new (options: object) => TopicTester };
/** aedes' queued-packet shape (the copy every persistence stores), from the aedes-persistence package. */
const { Packet } = require('aedes-persistence') as { Packet: new (original: StoredPacket, broker?: unknown) => StoredPacket };

const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

export interface SubscriptionOptions {
  qos: number;
  rh?: number;
  rap?: number;
  nl?: number;
  subscriptionIdentifier?: number;
}
export interface SubscriptionMatch extends SubscriptionOptions {
  clientId: string;
  topic: string;
}
interface ClientRef {
  id: string;
  brokerId?: string;
}
interface BrokerRef {
  id: string;
}
interface QueuedEntry {
  seq: number;
  packet: StoredPacket;
}

/**
 * aedes persistence on better-sqlite3: the state a broker crash must not lose (retained messages,
 * persistent-session subscriptions, queued and in-flight QoS 1/2 messages, incoming QoS 2 packets,
 * wills). The working set lives in memory with the same structures and semantics as aedes'
 * in-memory persistence; every change is written through to SQLite, synchronously, before the
 * method's promise resolves. aedes sends the PUBACK only after outgoingEnqueueCombi resolves, so a
 * PUBACK means the message is in the WAL: it survives a broker SIGKILL (synchronous = NORMAL; an OS
 * crash can lose the last commits). On setup() the memory is rebuilt from the file.
 * See docs/storage.md, "Broker state".
 */
export class SqliteBrokerPersistence {
  private readonly db: Database;
  private brokerRef: BrokerRef | undefined;
  private readonly retained = new Map<string, StoredPacket>();
  private readonly subscriptions = new Map<string, Map<string, SubscriptionOptions>>();
  private readonly trie = new QlobberSub(QLOBBER_OPTIONS);
  private clientsCount = 0;
  private readonly outgoing = new Map<string, QueuedEntry[]>();
  private readonly incoming = new Map<string, Map<number, StoredPacket>>();
  private readonly wills = new Map<string, StoredPacket>();
  private destroyed = false;
  /** Rows written by persistBeforeAck, keyed by the publish's payload object (aedes' queued copy shares it), awaiting outgoingEnqueueCombi. */
  private readonly preWritten = new WeakMap<object, Map<string, number>>();
  private preCounter = 0;
  private readonly sql: Record<
    'putRetained' | 'delRetained' | 'putSub' | 'delSub' | 'delClientSubs' | 'addOutgoing' | 'setOutgoing' | 'delOutgoing' | 'putIncoming' | 'delIncoming' | 'delClientIncoming' | 'putWill' | 'delWill',
    Statement
  >;

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
    const p = (sql: string) => this.db.prepare(sql);
    this.sql = {
      putRetained: p('INSERT OR REPLACE INTO retained (topic, meta, payload) VALUES (?, ?, ?)'),
      delRetained: p('DELETE FROM retained WHERE topic = ?'),
      putSub: p('INSERT OR REPLACE INTO subscriptions (client_id, topic, options) VALUES (?, ?, ?)'),
      delSub: p('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
      delClientSubs: p('DELETE FROM subscriptions WHERE client_id = ?'),
      addOutgoing: p('INSERT INTO outgoing (client_id, meta, payload) VALUES (?, ?, ?)'),
      setOutgoing: p('UPDATE outgoing SET meta = ?, payload = ? WHERE seq = ?'),
      delOutgoing: p('DELETE FROM outgoing WHERE seq = ?'),
      putIncoming: p('INSERT OR REPLACE INTO incoming (client_id, message_id, meta, payload) VALUES (?, ?, ?, ?)'),
      delIncoming: p('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
      delClientIncoming: p('DELETE FROM incoming WHERE client_id = ?'),
      putWill: p('INSERT OR REPLACE INTO wills (client_id, meta, payload) VALUES (?, ?, ?)'),
      delWill: p('DELETE FROM wills WHERE client_id = ?'),
    };
    this.load();
  }

  /** aedes (and the abstract test suite) reach the broker through the persistence. */
  get broker(): BrokerRef | undefined {
    return this.brokerRef;
  }

  async setup(broker: BrokerRef): Promise<void> {
    this.brokerRef = broker;
  }

  /** What a restarted broker must know: read once, then kept in memory. */
  private load(): void {
    type Row = { meta: string; payload: Buffer | null };
    for (const row of this.db.prepare('SELECT topic, meta, payload FROM retained').all() as Array<Row & { topic: string }>) {
      this.retained.set(row.topic, decodePacket(row.meta, row.payload));
    }
    for (const row of this.db.prepare('SELECT client_id, topic, options FROM subscriptions').all() as Array<{ client_id: string; topic: string; options: string }>) {
      this.rememberSubscription(row.client_id, row.topic, JSON.parse(row.options) as SubscriptionOptions);
    }
    for (const row of this.db.prepare('SELECT seq, client_id, meta, payload FROM outgoing ORDER BY seq').all() as Array<Row & { seq: number; client_id: string }>) {
      const stored = decodePacket(row.meta, row.payload);
      // A PUBLISH comes back without its packet id: the id belonged to a connection of the dead broker, and aedes
      // resends a queued packet with the id it carries while numbering new ones from a random start, so a kept id
      // can collide with a live one, and outgoingUpdate then replaces the wrong entry (a lost message). Without an id
      // the resend is numbered in sequence with live traffic and matched by broker id and counter, as intended.
      const packet = stored['cmd'] === 'publish' ? new Packet(stored) : stored;
      this.queueOf(row.client_id).push({ seq: row.seq, packet });
    }
    for (const row of this.db.prepare('SELECT client_id, message_id, meta, payload FROM incoming').all() as Array<Row & { client_id: string; message_id: number }>) {
      this.incomingOf(row.client_id).set(row.message_id, decodePacket(row.meta, row.payload));
    }
    for (const row of this.db.prepare('SELECT client_id, meta, payload FROM wills').all() as Array<Row & { client_id: string }>) {
      this.wills.set(row.client_id, decodePacket(row.meta, row.payload));
    }
  }

  async storeRetained(pkt: StoredPacket): Promise<void> {
    this.putRetained(pkt);
  }

  private putRetained(pkt: StoredPacket): void {
    // Already written by persistBeforeAck for this very publish: the same payload object.
    if (pkt.payload && this.retained.get(pkt['topic'] as string)?.payload === pkt.payload) return;
    const packet = { ...pkt };
    const payload = packet.payload as Buffer | string | undefined;
    if (!payload || payload.length === 0) {
      this.retained.delete(packet['topic'] as string);
      this.sql.delRetained.run(packet['topic']);
      return;
    }
    const encoded = encodePacket(packet);
    this.sql.putRetained.run(packet['topic'], encoded.meta, encoded.payload ?? Buffer.alloc(0));
    this.retained.set(packet['topic'] as string, packet);
  }

  createRetainedStreamCombi(patterns: string[]): Readable {
    const retained = this.retained;
    return Readable.from(
      (function* () {
        for (const pattern of patterns) yield* matchingRetained(retained, pattern);
      })(),
    );
  }

  createRetainedStream(pattern: string): Readable {
    return Readable.from(matchingRetained(this.retained, pattern));
  }

  async addSubscriptions(client: ClientRef, subs: Array<SubscriptionOptions & { topic: string }>): Promise<void> {
    this.db.transaction(() => {
      for (const sub of subs) {
        const options: SubscriptionOptions = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
        if (sub.subscriptionIdentifier !== undefined) options.subscriptionIdentifier = sub.subscriptionIdentifier;
        this.sql.putSub.run(client.id, sub.topic, JSON.stringify(options));
      }
    })();
    for (const sub of subs) {
      const options: SubscriptionOptions = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
      if (sub.subscriptionIdentifier !== undefined) options.subscriptionIdentifier = sub.subscriptionIdentifier;
      this.rememberSubscription(client.id, sub.topic, options);
    }
  }

  private rememberSubscription(clientId: string, topic: string, options: SubscriptionOptions): void {
    let stored = this.subscriptions.get(clientId);
    if (!stored) {
      stored = new Map();
      this.subscriptions.set(clientId, stored);
      this.clientsCount++;
    }
    const previous = stored.get(topic);
    // Only QoS > 0 subscriptions get queued messages, so only they go in the matching trie (as in aedes' memory persistence).
    if (options.qos > 0) this.trie.add(topic, { clientId, topic, qos: options.qos, rh: options.rh, rap: options.rap, nl: options.nl });
    else if (previous && previous.qos > 0) this.trie.remove(topic, { clientId, topic });
    stored.set(topic, options);
  }

  async removeSubscriptions(client: ClientRef, topics: string[]): Promise<void> {
    const stored = this.subscriptions.get(client.id);
    if (!stored) return;
    this.db.transaction(() => {
      for (const topic of topics) this.sql.delSub.run(client.id, topic);
    })();
    for (const topic of topics) {
      const options = stored.get(topic);
      if (options === undefined) continue;
      if (options.qos > 0) this.trie.remove(topic, { clientId: client.id, topic });
      stored.delete(topic);
    }
    if (stored.size === 0) {
      this.clientsCount--;
      this.subscriptions.delete(client.id);
    }
  }

  async subscriptionsByClient(client: ClientRef): Promise<Array<SubscriptionOptions & { topic: string }>> {
    return [...(this.subscriptions.get(client.id) ?? new Map<string, SubscriptionOptions>())].map(([topic, options]) => ({ topic, ...options }));
  }

  async countOffline(): Promise<{ subsCount: number; clientsCount: number }> {
    return { subsCount: this.trie.subscriptionsCount, clientsCount: this.clientsCount };
  }

  async subscriptionsByTopic(topic: string): Promise<SubscriptionMatch[]> {
    return this.trie.match(topic);
  }

  async cleanSubscriptions(client: ClientRef): Promise<void> {
    const stored = this.subscriptions.get(client.id);
    if (!stored) return;
    this.sql.delClientSubs.run(client.id);
    for (const [topic, options] of stored) if (options.qos > 0) this.trie.remove(topic, { clientId: client.id, topic });
    this.clientsCount--;
    this.subscriptions.delete(client.id);
  }

  private queueOf(clientId: string): QueuedEntry[] {
    let queue = this.outgoing.get(clientId);
    if (!queue) {
      queue = [];
      this.outgoing.set(clientId, queue);
    }
    return queue;
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
    const topic = packet['topic'] as string;
    const payload = packet.payload;
    if (packet['retain']) this.putRetained(packet);
    const subs = this.trie.match(topic);
    if (subs.length === 0 || typeof payload !== 'object' || payload === null) return;
    const copy = new Packet({ ...packet, brokerId: `${this.brokerRef?.id ?? 'broker'}:pre`, brokerCounter: ++this.preCounter });
    const encoded = encodePacket(copy);
    const rows = new Map<string, number>();
    this.db.transaction(() => {
      for (const sub of subs) if (!rows.has(sub.clientId)) rows.set(sub.clientId, Number(this.sql.addOutgoing.run(sub.clientId, encoded.meta, encoded.payload).lastInsertRowid));
    })();
    this.preWritten.set(payload, rows);
  }

  /** The write the PUBACK waits for: one transaction for every persistent session the message goes to. */
  async outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: StoredPacket): Promise<void> {
    const pre = typeof packet.payload === 'object' && packet.payload !== null ? this.preWritten.get(packet.payload) : undefined;
    if (pre) {
      this.preWritten.delete(packet.payload as object);
      const missing = subs.filter((sub) => !pre.has(sub.clientId));
      const matched = new Set(subs.map((sub) => sub.clientId));
      // Subscriptions that changed between the PUBLISH and now: drop rows nobody matches any more.
      for (const [clientId, seq] of pre) if (!matched.has(clientId)) this.sql.delOutgoing.run(seq);
      for (const sub of subs) {
        const seq = pre.get(sub.clientId);
        if (seq !== undefined) this.queueOf(sub.clientId).push({ seq, packet: new Packet(packet) });
      }
      subs = missing;
    }
    if (subs.length === 0) return;
    // Stored as aedes' queued copy (no packet id yet: outgoingUpdate assigns it when the copy is sent).
    const encoded = encodePacket(new Packet(packet));
    const seqs = this.db.transaction(() => subs.map((sub) => Number(this.sql.addOutgoing.run(sub.clientId, encoded.meta, encoded.payload).lastInsertRowid)))();
    subs.forEach((sub, i) => this.queueOf(sub.clientId).push({ seq: seqs[i] as number, packet: new Packet(packet) }));
  }

  async outgoingUpdate(client: ClientRef, packet: StoredPacket): Promise<void> {
    const queue = this.queueOf(client.id);
    for (const entry of queue) {
      const queued = entry.packet;
      if (queued['brokerId'] === packet['brokerId']) {
        if (queued['brokerCounter'] === packet['brokerCounter']) {
          queued['messageId'] = packet['messageId'];
          this.write(entry);
          return;
        }
        // Same broker, another message: keep looking (message ids wrap at 65535, broker counters do not).
      } else if (queued['messageId'] === packet['messageId']) {
        // A PUBREL replacing its PUBLISH (QoS 2), or a packet of another broker with this id.
        entry.packet = packet;
        this.write(entry);
        return;
      }
    }
    throw new Error('no such packet');
  }

  private write(entry: QueuedEntry): void {
    const encoded = encodePacket(entry.packet);
    this.sql.setOutgoing.run(encoded.meta, encoded.payload, entry.seq);
  }

  async outgoingClearMessageId(client: ClientRef, packet: StoredPacket): Promise<StoredPacket | undefined> {
    const queue = this.queueOf(client.id);
    const messageId = packet?.['messageId'];
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i] as QueuedEntry;
      if (entry.packet['messageId'] === messageId) {
        this.sql.delOutgoing.run(entry.seq);
        queue.splice(i, 1);
        return entry.packet;
      }
    }
    return undefined;
  }

  outgoingStream(client: ClientRef): Readable {
    // A copy: aedes clears entries while it streams them.
    return Readable.from((this.outgoing.get(client.id) ?? []).map((e) => e.packet));
  }

  private incomingOf(clientId: string): Map<number, StoredPacket> {
    let store = this.incoming.get(clientId);
    if (!store) {
      store = new Map();
      this.incoming.set(clientId, store);
    }
    return store;
  }

  async incomingStorePacket(client: ClientRef, packet: StoredPacket): Promise<void> {
    const copy = new Packet(packet);
    copy['messageId'] = packet['messageId'];
    const encoded = encodePacket(copy);
    this.sql.putIncoming.run(client.id, packet['messageId'], encoded.meta, encoded.payload);
    this.incomingOf(client.id).set(packet['messageId'] as number, copy);
  }

  async incomingGetPacket(client: ClientRef, packet: StoredPacket): Promise<StoredPacket> {
    const found = this.incoming.get(client.id)?.get(packet['messageId'] as number);
    if (!found) throw new Error('no such packet');
    return found;
  }

  async incomingDelPacket(client: ClientRef, packet: StoredPacket): Promise<void> {
    const store = this.incoming.get(client.id);
    const messageId = packet['messageId'] as number;
    if (!store?.has(messageId)) throw new Error('no such packet');
    this.sql.delIncoming.run(client.id, messageId);
    store.delete(messageId);
  }

  async cleanIncoming(client: ClientRef): Promise<void> {
    this.sql.delClientIncoming.run(client.id);
    this.incoming.delete(client.id);
  }

  async putWill(client: ClientRef, packet: StoredPacket): Promise<void> {
    // aedes and the abstract suite expect the will to carry who and which broker it belongs to.
    packet['brokerId'] = this.brokerRef?.id;
    packet['clientId'] = client.id;
    const encoded = encodePacket(packet);
    this.sql.putWill.run(client.id, encoded.meta, encoded.payload);
    this.wills.set(client.id, packet);
  }

  async getWill(client: ClientRef): Promise<StoredPacket | undefined> {
    return this.wills.get(client.id);
  }

  async delWill(client: ClientRef): Promise<StoredPacket | undefined> {
    const will = this.wills.get(client.id);
    this.sql.delWill.run(client.id);
    this.wills.delete(client.id);
    return will;
  }

  /** Wills of brokers not in `brokers`: after a restart, those of the crashed broker, which aedes then publishes. */
  streamWill(brokers: Record<string, unknown> = {}): Readable {
    return Readable.from([...this.wills.values()].filter((will) => !brokers[will['brokerId'] as string]));
  }

  getClientList(topic: string): Readable {
    return Readable.from([...this.subscriptions].filter(([, topics]) => topics.has(topic)).map(([clientId]) => clientId));
  }

  async destroy(): Promise<void> {
    if (this.destroyed) throw new Error('destroyed called twice!');
    this.destroyed = true;
    this.db.close();
  }
}

function* matchingRetained(retained: Map<string, StoredPacket>, pattern: string): Generator<StoredPacket> {
  const tester = new QlobberTrue(QLOBBER_OPTIONS);
  tester.add(pattern);
  for (const [topic, packet] of retained) if (tester.test(topic)) yield packet;
}
