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

  del(clientId: string): StoredPacket | undefined {
    const will = this.wills.get(clientId);
    this.sql.del.run(clientId);
    this.wills.delete(clientId);
    return will;
  }

  /** Wills of brokers not in `brokers`: after a restart, those of the crashed broker, which aedes then publishes. */
  stream(brokers: Record<string, unknown>): Readable {
    return Readable.from([...this.wills.values()].filter((will) => !brokers[will['brokerId'] as string]));
  }
}
