/** Last wills of the broker state: a map by client, written through to the `wills` table. */
import { Readable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { decodePacket, encodePacket, type StoredPacket } from './packet-codec.ts';

export class WillStore {
  private readonly wills = new Map<string, StoredPacket>();
  private readonly sql;

  constructor(db: Database) {
    this.sql = {
      put: db.prepare('INSERT OR REPLACE INTO wills (client_id, meta, payload) VALUES (?, ?, ?)'),
      del: db.prepare('DELETE FROM wills WHERE client_id = ?'),
    };
    for (const row of db.prepare('SELECT client_id, meta, payload FROM wills').all() as Array<{ client_id: string; meta: string; payload: Buffer | null }>) {
      this.wills.set(row.client_id, decodePacket(row.meta, row.payload));
    }
  }

  put(clientId: string, brokerId: string | undefined, packet: StoredPacket): void {
    // aedes and the abstract suite expect the will to carry who and which broker it belongs to.
    packet['brokerId'] = brokerId;
    packet['clientId'] = clientId;
    const encoded = encodePacket(packet);
    this.sql.put.run(clientId, encoded.meta, encoded.payload);
    this.wills.set(clientId, packet);
  }

  get(clientId: string): StoredPacket | undefined {
    return this.wills.get(clientId);
  }

  /**
   * Delete the will of `clientId`; with `brokerId` (aedes passes it after publishing a will) only if the
   * stored will is still that broker's: the client may have reconnected meanwhile and stored a new one.
   */
  del(clientId: string, brokerId?: string): StoredPacket | undefined {
    const will = this.wills.get(clientId);
    if (!will || (brokerId !== undefined && will['brokerId'] !== brokerId)) return undefined;
    this.sql.del.run(clientId);
    this.wills.delete(clientId);
    return will;
  }

  /**
   * Wills of brokers not in `brokers`: after a restart, those of the crashed broker, which aedes then
   * publishes. Read one at a time, each checked when aedes takes it, not when the stream starts: a
   * client that has reconnected since (`isConnected`, or a will stored anew by a live broker) keeps its will.
   */
  stream(brokers: Record<string, unknown>, isConnected: (clientId: string) => boolean): Readable {
    const wills = this.wills;
    function* orphaned(): Generator<StoredPacket> {
      for (const clientId of [...wills.keys()]) {
        const will = wills.get(clientId);
        if (will && !brokers[will['brokerId'] as string] && !isConnected(clientId)) yield will;
      }
    }
    return Readable.from(orphaned(), { objectMode: true, highWaterMark: 1 });
  }
}
