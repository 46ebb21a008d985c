/**
 * Benchmark 1: how fast the recorder commits QoS 1 traffic, against
 *  A. raw aedes: the same messages from a raw publisher to a raw QoS 1 subscriber, nothing stored;
 *  B. raw SQLite: the same payloads inserted into a one-table WAL database (synchronous=NORMAL),
 *     one transaction per row and 1000 rows per transaction.
 * Also MessageRecorder.record() called directly (no MQTT), to split the recorder's cost between
 * the bus and the storage.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startBroker } from '../../broker/index.ts';
import { createRecorder } from '../../actors/recorder/index.ts';
import { createLogger } from '../../logging/index.ts';
import { encodeEnvelope, eventEnvelope, parseTopic, Topics, type ConversationEvent } from '../../protocol/index.ts';
import { MessageRecorder, openWriter } from '../../storage/index.ts';
import { publishWindowed, rawClient, settle, waitFor, type Outgoing } from './support.ts';

export interface ThroughputOptions {
  messages: number;
  /** PUBACKs the publisher may wait for at once. */
  window: number;
  /** Temp dir for the databases; the caller removes it. */
  dir: string;
  /** Longest wait for one phase to finish, ms. */
  phaseTimeoutMs: number;
}

export interface ThroughputResult {
  messages: number;
  payloadBytes: number;
  /** The recorder in the embedded broker's publish path (comms up). */
  recordedPerSec: number;
  /** Transactions the attached recorder committed for the measured messages. */
  recordedGroups: number;
  /** The recorder as an MQTT subscriber (external brokers). */
  subscriberPerSec: number;
  rawAedesPerSec: number;
  directRecorderPerSec: number;
  directBatchedPerSec: number;
  sqlitePerRowPerSec: number;
  sqliteBatchedPerSec: number;
  invalid: number;
}

const EVENTS_PER_CONVERSATION = 100;

/** N conversation.event@1 envelopes, 100 per conversation, seq 1..100, like a busy bus's progress traffic. */
function makeMessages(count: number, prefix: string): Outgoing[] {
  const out: Outgoing[] = [];
  for (let i = 0; i < count; i++) {
    const conversationId = `${prefix}-${Math.floor(i / EVENTS_PER_CONVERSATION)}`;
    const seq = (i % EVENTS_PER_CONVERSATION) + 1;
    const body: ConversationEvent = {
      type: 'progress',
      state: 'working',
      requester: 'producer',
      responder: 'worker',
      query: 'work@1',
      requestId: `${conversationId}-r`,
      attempt: 1,
      progress: { percent: seq, stage: `step ${seq}` },
    };
    const envelope = eventEnvelope({ from: 'producer', conversationId, seq, schema: 'conversation.event@1', body });
    out.push({ topic: Topics.conversationEvents(conversationId), payload: encodeEnvelope(envelope) });
  }
  return out;
}

/**
 * Publish to the embedded broker while the recorder records; msgs/s until the last one is committed
 * (and, attached, acknowledged: each PUBACK waits for its group's commit). `attached`: the recorder
 * records in the broker's publish path, as `comms up` runs it; otherwise it is an MQTT subscriber,
 * as with an external broker.
 */
async function recorded(options: ThroughputOptions, warmup: Outgoing[], messages: Outgoing[], attached: boolean): Promise<{ perSec: number; invalid: number; groups: number }> {
  const broker = await startBroker({ port: 0 });
  const dbPath = join(options.dir, attached ? 'recorded-attached.db' : 'recorded-subscriber.db');
  const recorder = createRecorder({ url: broker.url, dbPath, logger: createLogger('recorder', 'silent'), ...(attached ? { broker } : {}) });
  let publisher: Awaited<ReturnType<typeof rawClient>> | undefined;
  try {
    await recorder.start();
    publisher = await rawClient(broker.url, 'bench-producer');
    const counts = new Map<string, number>();
    let invalid = 0;
    recorder.events.on('recorded', (topic, outcome) => {
      const prefix = batchOf(topic) ?? 'other';
      if (!outcome.stored) return;
      if (!outcome.valid) invalid++;
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    });
    const onRecorded = (tick: () => void) => {
      recorder.events.on('recorded', tick);
      return () => recorder.events.off('recorded', tick);
    };
    const phase = async (name: string, batch: Outgoing[]) => {
      const t0 = performance.now();
      await Promise.all([
        publishWindowed(publisher!, batch, options.window),
        waitFor(onRecorded, () => (counts.get(name) ?? 0) >= batch.length, options.phaseTimeoutMs, () => `recorder committed ${counts.get(name) ?? 0} of ${batch.length}`),
      ]);
      return performance.now() - t0;
    };
    await phase('warm', warmup);
    await settle();
    let groups = 0;
    const countGroup = () => groups++;
    recorder.events.on('committed', countGroup);
    const ms = await phase('rec', messages);
    recorder.events.off('committed', countGroup);
    return { perSec: messages.length / (ms / 1000), invalid, groups };
  } finally {
    await publisher?.endAsync().catch(() => {});
    await recorder.stop().catch(() => {});
    await broker.close();
  }
}

/** Baseline A: the same messages from a raw publisher to a raw QoS 1 subscriber; msgs/s until the last one arrives. */
async function rawAedes(options: ThroughputOptions, warmup: Outgoing[], messages: Outgoing[]): Promise<number> {
  const broker = await startBroker({ port: 0 });
  const subscriber = await rawClient(broker.url, 'bench-raw-sub');
  const publisher = await rawClient(broker.url, 'bench-raw-pub');
  try {
    await subscriber.subscribeAsync(Topics.filters.conversations, { qos: 1 });
    const counts = new Map<string, number>();
    subscriber.on('message', (topic) => {
      const prefix = batchOf(topic) === 'warm' ? 'warm' : 'rec';
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    });
    const onMessage = (tick: () => void) => {
      subscriber.on('message', tick);
      return () => subscriber.off('message', tick);
    };
    const phase = async (name: string, batch: Outgoing[]) => {
      const t0 = performance.now();
      await Promise.all([
        publishWindowed(publisher, batch, options.window),
        waitFor(onMessage, () => (counts.get(name) ?? 0) >= batch.length, options.phaseTimeoutMs, () => `subscriber got ${counts.get(name) ?? 0} of ${batch.length}`),
      ]);
      return performance.now() - t0;
    };
    await phase('warm', warmup);
    await settle();
    const ms = await phase('rec', messages);
    return messages.length / (ms / 1000);
  } finally {
    await publisher.endAsync().catch(() => {});
    await subscriber.endAsync().catch(() => {});
    await broker.close();
  }
}

/** MessageRecorder without MQTT, `batch` messages per transaction: the storage share of the recorder's cost. */
function directRecorder(dir: string, messages: Outgoing[], batch: number): number {
  const db = openWriter(join(dir, `direct-${batch}.db`));
  try {
    const recorder = new MessageRecorder(db);
    const incoming = messages.map((m) => ({ topic: m.topic, payload: m.payload, retained: false }));
    const t0 = performance.now();
    for (let i = 0; i < incoming.length; i += batch) recorder.recordBatch(incoming.slice(i, i + batch));
    return messages.length / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

/** Baseline B: one-table WAL database, synchronous=NORMAL; `batch` rows per transaction (1 = autocommit per row). */
function rawSqlite(path: string, messages: Outgoing[], batch: number): number {
  const db = new BetterSqlite3(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE messages (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL)');
    const insert = db.prepare('INSERT INTO messages (topic, payload) VALUES (?, ?)');
    const insertMany = db.transaction((rows: Outgoing[]) => {
      for (const r of rows) insert.run(r.topic, r.payload);
    });
    const t0 = performance.now();
    if (batch <= 1) for (const m of messages) insert.run(m.topic, m.payload);
    else for (let i = 0; i < messages.length; i += batch) insertMany(messages.slice(i, i + batch));
    return messages.length / ((performance.now() - t0) / 1000);
  } finally {
    db.close();
  }
}

export async function recordedThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const warmCount = Math.min(1000, Math.max(100, Math.floor(options.messages / 10)));
  const messages = makeMessages(options.messages, 'rec');
  const warmup = makeMessages(warmCount, 'warm');
  const payloadBytes = Math.round(messages.reduce((n, m) => n + m.payload.length, 0) / messages.length);

  const rawAedesPerSec = await rawAedes(options, warmup, messages);
  const rec = await recorded(options, warmup, messages, true);
  const sub = await recorded(options, warmup, messages, false);
  const directRecorderPerSec = directRecorder(options.dir, messages, 1);
  const directBatchedPerSec = directRecorder(options.dir, messages, 1000);
  const sqlitePerRowPerSec = rawSqlite(join(options.dir, 'raw-per-row.db'), messages, 1);
  const sqliteBatchedPerSec = rawSqlite(join(options.dir, 'raw-batched.db'), messages, 1000);
  return {
    messages: options.messages,
    payloadBytes,
    recordedPerSec: rec.perSec,
    recordedGroups: rec.groups,
    subscriberPerSec: sub.perSec,
    rawAedesPerSec,
    directRecorderPerSec,
    directBatchedPerSec,
    sqlitePerRowPerSec,
    sqliteBatchedPerSec,
    invalid: rec.invalid + sub.invalid,
  };
}

/** Which batch a conversation topic belongs to: its conversation id starts with `warm-` or `rec-`. */
function batchOf(topic: string): 'warm' | 'rec' | undefined {
  const parsed = parseTopic(topic);
  if (parsed?.kind !== 'conversation-events' && parsed?.kind !== 'conversation-state') return undefined;
  return parsed.subject.startsWith('warm-') ? 'warm' : parsed.subject.startsWith('rec-') ? 'rec' : undefined;
}
