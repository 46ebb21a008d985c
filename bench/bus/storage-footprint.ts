/**
 * Bytes of SQLite per small conversation: a requester asks an echo responder (a request, its
 * acknowledgement, a reply, the conversation's events and state snapshots, whatever the runtime
 * sends today) `conversations` times with the recorder on, and the database's pages are counted per
 * table and index (dbstat). Run alone: `npx tsx bench/bus/storage-footprint.ts --conversations 500`.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Type } from '@sinclair/typebox';
import { startBroker } from '../../broker/index.ts';
import { createRecorder } from '../../actors/recorder/index.ts';
import { Actor, defineQuery } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';
import { waitFor } from './support.ts';

export interface FootprintResult {
  conversations: number;
  bytesPerConversation: number;
  messagesPerConversation: number;
  /** Bytes per conversation by table or index. */
  byObject: Record<string, number>;
}

const Echo = Type.Object({ text: Type.String() });
const echo = defineQuery({
  schema: 'bench.footprint@1',
  description: 'Answers with what it got.',
  request: Echo,
  responseSchemaId: 'bench.footprint.answer@1',
  response: Echo,
  handle: async (body) => ({ text: body.text }),
});

/** Pages used by each table and index, in bytes (dbstat counts whole pages, as the file does). */
function bytesByObject(path: string): Record<string, number> {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const rows = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>;
    return Object.fromEntries(rows.map((r) => [r.name, r.bytes]));
  } finally {
    db.close();
  }
}

async function run(dir: string, conversations: number): Promise<{ bytes: Record<string, number>; messages: number }> {
  const broker = await startBroker({ port: 0 });
  const dbPath = join(dir, `footprint-${conversations}.db`);
  const logger = createLogger('bench', 'silent');
  const recorder = createRecorder({ url: broker.url, dbPath, logger, stateRetentionMs: 3_600_000 });
  const responder = new Actor({ name: 'fp-responder', url: broker.url, logger }).handle(echo);
  const requester = new Actor({ name: 'fp-requester', url: broker.url, logger });
  try {
    await recorder.start();
    await responder.start();
    await requester.start();
    const ids: string[] = [];
    for (let i = 0; i < conversations; i++) {
      const conversation = requester.request('fp-responder', 'bench.footprint@1', { text: `hello ${i}` });
      await conversation.result;
      ids.push(conversation.id);
    }
    const last = ids[ids.length - 1] as string;
    const ended = () => recorder.queries.listConversations({ limit: 1 }).some((c) => c.id === last && c.endedAt !== null);
    await waitFor((tick) => (recorder.events.on('recorded', tick), () => recorder.events.off('recorded', tick)), ended, 60_000, () => `conversation ${last} not recorded as ended`);
    const messages = recorder.queries.getStats().messages.total;
    await requester.stop();
    await responder.stop();
    await recorder.stop();
    const checkpoint = new BetterSqlite3(dbPath);
    checkpoint.pragma('wal_checkpoint(TRUNCATE)');
    checkpoint.close();
    return { bytes: bytesByObject(dbPath), messages };
  } finally {
    await requester.stop().catch(() => {});
    await responder.stop().catch(() => {});
    await recorder.stop().catch(() => {});
    await broker.close();
  }
}

/** The difference between a run of `conversations` and one of a tenth of them, per conversation: fixed costs (schema, modules) drop out. */
export async function storageFootprint(options: { conversations: number; dir: string }): Promise<FootprintResult> {
  const small = Math.max(10, Math.floor(options.conversations / 10));
  const a = await run(options.dir, small);
  const b = await run(options.dir, options.conversations);
  const n = options.conversations - small;
  const names = new Set([...Object.keys(a.bytes), ...Object.keys(b.bytes)]);
  const byObject: Record<string, number> = {};
  for (const name of names) byObject[name] = Math.round(((b.bytes[name] ?? 0) - (a.bytes[name] ?? 0)) / n);
  const total = Object.values(b.bytes).reduce((x, y) => x + y, 0) - Object.values(a.bytes).reduce((x, y) => x + y, 0);
  return { conversations: options.conversations, bytesPerConversation: Math.round(total / n), messagesPerConversation: (b.messages - a.messages) / n, byObject };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({ options: { conversations: { type: 'string', default: '500' } } });
  const dir = mkdtempSync(join(tmpdir(), 'comms-footprint-'));
  try {
    console.log(JSON.stringify(await storageFootprint({ conversations: Number(values.conversations), dir }), null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
