/** Retained messages of the broker state: a map by topic, written through to the `retained` table. */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { QLOBBER_OPTIONS } from './aedes-shapes.ts';
import { decodePacket, encodePacket, type StoredPacket } from './packet-codec.ts';

const require = createRequire(import.meta.url);

interface TopicTester {
  add(pattern: string): void;
  test(topic: string): boolean;
}
const { QlobberTrue } = require('qlobber') as { QlobberTrue: new (options: object) => TopicTester };

export class RetainedStore {
  private readonly retained = new Map<string, StoredPacket>();
  private readonly sql;

  constructor(db: Database) {
    this.sql = {
      put: db.prepare('INSERT OR REPLACE INTO retained (topic, meta, payload) VALUES (?, ?, ?)'),
      del: db.prepare('DELETE FROM retained WHERE topic = ?'),
    };
    for (const row of db.prepare('SELECT topic, meta, payload FROM retained').all() as Array<{ topic: string; meta: string; payload: Buffer | null }>) {
      this.retained.set(row.topic, decodePacket(row.meta, row.payload));
    }
  }

  put(pkt: StoredPacket): void {
    // Already written by persistBeforeAck for this very publish: the same payload object.
    if (pkt.payload && this.retained.get(pkt['topic'] as string)?.payload === pkt.payload) return;
    const packet = { ...pkt };
    const payload = packet.payload as Buffer | string | undefined;
    if (!payload || payload.length === 0) {
      this.retained.delete(packet['topic'] as string);
      this.sql.del.run(packet['topic']);
      return;
    }
    const encoded = encodePacket(packet);
    this.sql.put.run(packet['topic'], encoded.meta, encoded.payload ?? Buffer.alloc(0));
    this.retained.set(packet['topic'] as string, packet);
  }

  streamCombi(patterns: string[]): Readable {
    const retained = this.retained;
    return Readable.from(
      (function* () {
        for (const pattern of patterns) yield* matchingRetained(retained, pattern);
      })(),
    );
  }

  stream(pattern: string): Readable {
    return Readable.from(matchingRetained(this.retained, pattern));
  }
}

function* matchingRetained(retained: Map<string, StoredPacket>, pattern: string): Generator<StoredPacket> {
  const tester = new QlobberTrue(QLOBBER_OPTIONS);
  tester.add(pattern);
  for (const [topic, packet] of retained) if (tester.test(topic)) yield packet;
}
