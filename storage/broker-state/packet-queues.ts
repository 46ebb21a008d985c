/**
 * QoS 1/2 packets of the broker state: the outgoing queue per persistent session (queued and
 * in-flight messages, `outgoing` table) and the incoming QoS 2 packets awaiting their PUBREL
 * (`incoming` table). Both are kept in memory and written through to SQLite.
 */
import { Readable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { Packet } from './aedes-shapes.ts';
import { decodePacket, encodePacket, type StoredPacket } from './packet-codec.ts';

interface QueuedEntry {
  seq: number;
  packet: StoredPacket;
}
type Row = { meta: string; payload: Buffer | null };

export class OutgoingQueues {
  private readonly outgoing = new Map<string, QueuedEntry[]>();
  /** Rows written by preWrite, keyed by the publish's payload object (aedes' queued copy shares it), awaiting enqueueCombi. */
  private readonly preWritten = new WeakMap<object, Map<string, number>>();
  private preCounter = 0;
  private readonly sql;

  constructor(private readonly db: Database) {
    this.sql = {
      add: db.prepare('INSERT INTO outgoing (client_id, meta, payload) VALUES (?, ?, ?)'),
      set: db.prepare('UPDATE outgoing SET meta = ?, payload = ? WHERE seq = ?'),
      del: db.prepare('DELETE FROM outgoing WHERE seq = ?'),
    };
    for (const row of db.prepare('SELECT seq, client_id, meta, payload FROM outgoing ORDER BY seq').all() as Array<Row & { seq: number; client_id: string }>) {
      const stored = decodePacket(row.meta, row.payload);
      // A PUBLISH comes back without its packet id: the id belonged to a connection of the dead broker, and aedes
      // resends a queued packet with the id it carries while numbering new ones from a random start, so a kept id
      // can collide with a live one, and outgoingUpdate then replaces the wrong entry (a lost message). Without an id
      // the resend is numbered in sequence with live traffic and matched by broker id and counter, as intended.
      const packet = stored['cmd'] === 'publish' ? new Packet(stored) : stored;
      this.queueOf(row.client_id).push({ seq: row.seq, packet });
    }
  }

  private queueOf(clientId: string): QueuedEntry[] {
    let queue = this.outgoing.get(clientId);
    if (!queue) {
      queue = [];
      this.outgoing.set(clientId, queue);
    }
    return queue;
  }

  /**
   * Commit one outgoing row per matching session before the PUBACK (see
   * SqliteBrokerPersistence.persistBeforeAck). Rows carry a unique placeholder broker id/counter.
   */
  preWrite(packet: StoredPacket, clientIds: string[], brokerId: string): void {
    const payload = packet.payload;
    if (clientIds.length === 0 || typeof payload !== 'object' || payload === null) return;
    const copy = new Packet({ ...packet, brokerId: `${brokerId}:pre`, brokerCounter: ++this.preCounter });
    const encoded = encodePacket(copy);
    const rows = new Map<string, number>();
    this.db.transaction(() => {
      for (const clientId of clientIds) if (!rows.has(clientId)) rows.set(clientId, Number(this.sql.add.run(clientId, encoded.meta, encoded.payload).lastInsertRowid));
    })();
    this.preWritten.set(payload, rows);
  }

  /** The write the PUBACK waits for: one transaction for every persistent session the message goes to. */
  enqueueCombi(subs: Array<{ clientId: string }>, packet: StoredPacket): void {
    const pre = typeof packet.payload === 'object' && packet.payload !== null ? this.preWritten.get(packet.payload) : undefined;
    if (pre) {
      this.preWritten.delete(packet.payload as object);
      const missing = subs.filter((sub) => !pre.has(sub.clientId));
      const matched = new Set(subs.map((sub) => sub.clientId));
      // Subscriptions that changed between the PUBLISH and now: drop rows nobody matches any more.
      for (const [clientId, seq] of pre) if (!matched.has(clientId)) this.sql.del.run(seq);
      for (const sub of subs) {
        const seq = pre.get(sub.clientId);
        if (seq !== undefined) this.queueOf(sub.clientId).push({ seq, packet: new Packet(packet) });
      }
      subs = missing;
    }
    if (subs.length === 0) return;
    // Stored as aedes' queued copy (no packet id yet: outgoingUpdate assigns it when the copy is sent).
    const encoded = encodePacket(new Packet(packet));
    const seqs = this.db.transaction(() => subs.map((sub) => Number(this.sql.add.run(sub.clientId, encoded.meta, encoded.payload).lastInsertRowid)))();
    subs.forEach((sub, i) => this.queueOf(sub.clientId).push({ seq: seqs[i] as number, packet: new Packet(packet) }));
  }

  update(clientId: string, packet: StoredPacket): void {
    for (const entry of this.queueOf(clientId)) {
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
    this.sql.set.run(encoded.meta, encoded.payload, entry.seq);
  }

  clearMessageId(clientId: string, packet: StoredPacket): StoredPacket | undefined {
    const queue = this.queueOf(clientId);
    const messageId = packet?.['messageId'];
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i] as QueuedEntry;
      if (entry.packet['messageId'] === messageId) {
        this.sql.del.run(entry.seq);
        queue.splice(i, 1);
        return entry.packet;
      }
    }
    return undefined;
  }

  stream(clientId: string): Readable {
    // A copy: aedes clears entries while it streams them.
    return Readable.from((this.outgoing.get(clientId) ?? []).map((e) => e.packet));
  }
}

export class IncomingPackets {
  private readonly incoming = new Map<string, Map<number, StoredPacket>>();
  private readonly sql;

  constructor(db: Database) {
    this.sql = {
      put: db.prepare('INSERT OR REPLACE INTO incoming (client_id, message_id, meta, payload) VALUES (?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM incoming WHERE client_id = ? AND message_id = ?'),
      delClient: db.prepare('DELETE FROM incoming WHERE client_id = ?'),
    };
    for (const row of db.prepare('SELECT client_id, message_id, meta, payload FROM incoming').all() as Array<Row & { client_id: string; message_id: number }>) {
      this.incomingOf(row.client_id).set(row.message_id, decodePacket(row.meta, row.payload));
    }
  }

  private incomingOf(clientId: string): Map<number, StoredPacket> {
    let store = this.incoming.get(clientId);
    if (!store) {
      store = new Map();
      this.incoming.set(clientId, store);
    }
    return store;
  }

  store(clientId: string, packet: StoredPacket): void {
    const copy = new Packet(packet);
    copy['messageId'] = packet['messageId'];
    const encoded = encodePacket(copy);
    this.sql.put.run(clientId, packet['messageId'], encoded.meta, encoded.payload);
    this.incomingOf(clientId).set(packet['messageId'] as number, copy);
  }

  get(clientId: string, packet: StoredPacket): StoredPacket {
    const found = this.incoming.get(clientId)?.get(packet['messageId'] as number);
    if (!found) throw new Error('no such packet');
    return found;
  }

  del(clientId: string, packet: StoredPacket): void {
    const store = this.incoming.get(clientId);
    const messageId = packet['messageId'] as number;
    if (!store?.has(messageId)) throw new Error('no such packet');
    this.sql.del.run(clientId, messageId);
    store.delete(messageId);
  }

  clean(clientId: string): void {
    this.sql.delClient.run(clientId);
    this.incoming.delete(clientId);
  }
}
