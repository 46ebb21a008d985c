import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { startBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { createEnvelope, encodeEnvelope, Topics } from '../protocol/index.ts';
import { CommsQueries, decodePayload, MIGRATIONS, MessageRecorder, migrate, openWriter, pruneRecords, usedBytes } from '../storage/index.ts';
import { busFixture, echoQuery, until } from './support/bus-fixture.ts';

function whenRecorded<T>(recorder: Recorder, poll: () => T | undefined): Promise<T> {
  return until((check) => (recorder.events.on('recorded', check), () => recorder.events.off('recorded', check)), poll);
}

function event(conversationId: string, seq: number, state: string, from = 'a'): Buffer {
  const body = { type: 'state', state, requester: from, responder: 'b', query: 'q@1', requestId: `${conversationId}-r`, attempt: 1 };
  return encodeEnvelope(createEnvelope({ kind: 'event', from, to: '*', conversationId, seq, schema: 'conversation.event@1', body }));
}

describe('the recorder write path', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'comms-write-path-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('in the embedded broker: every PUBACK comes after its commit, and messages are committed in groups', async () => {
    const broker = await startBroker({ port: 0 });
    const dbPath = join(dir, 'comms.db');
    const recorder = createRecorder({ url: broker.url, dbPath, broker, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'write-path-pub', protocolVersion: 4, reconnectPeriod: 0 });
    const reader = new BetterSqlite3(dbPath, { readonly: true });
    let groups = 0;
    recorder.events.on('committed', () => groups++);
    try {
      const total = 300;
      const notYetCommitted: number[] = [];
      const recordedNow = reader.prepare('SELECT COUNT(*) FROM messages WHERE topic = ?').pluck();
      await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          const id = `wp-${i}`;
          await publisher.publishAsync(Topics.conversationEvents(id), event(id, 1, 'working'), { qos: 1 });
          // The PUBACK is here: the message must already be readable by another connection.
          if (recordedNow.get(Topics.conversationEvents(id)) !== 1) notYetCommitted.push(i);
        }),
      );
      expect(notYetCommitted).to.deep.equal([]);
      expect(groups).to.be.greaterThan(0).and.lessThan(total);
      expect(new CommsQueries(dbPath).getConversationEvents('wp-7')[0]?.event.state).to.equal('working');
    } finally {
      reader.close();
      await publisher.endAsync();
      await recorder.stop();
      await broker.close();
    }
  });

  it('a group that cannot be stored is not acknowledged, and the publisher resends it', async () => {
    const broker = await startBroker({ port: 0 });
    let refuse = true;
    const stored: string[] = [];
    broker.tap((group) => {
      if (refuse) {
        refuse = false;
        throw new Error('disk full');
      }
      for (const p of group) stored.push(p.payload.toString());
    });
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'refused-pub', protocolVersion: 4, clean: false, reconnectPeriod: 50 });
    try {
      const closed = new Promise<void>((resolve) => publisher.once('close', () => resolve()));
      const acked = publisher.publishAsync('comms/v1/test/refused', 'once', { qos: 1 });
      await closed; // refused: the broker drops the connection instead of acknowledging
      await acked; // mqtt.js resends it after reconnecting; this PUBACK follows a stored copy
      expect(stored).to.include('once');
    } finally {
      await publisher.endAsync();
      await broker.close();
    }
  });

  it('in the embedded broker: a lost requester ends its open conversations in the status transaction and clears their snapshots', async () => {
    const bus = await busFixture();
    const dbPath = join(bus.dir, 'comms.db');
    const recorder = createRecorder({ url: bus.broker.url, dbPath, broker: bus.broker, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    try {
      await bus.actor({ name: 'slow' }).handle(echoQuery('slow', { gate: new Promise<void>(() => {}) })).start();
      const requester = await bus.actor({ name: 'doomed' }).start();
      const conversation = requester.request('slow', 'echo@1', { text: 'never' });
      conversation.result.catch(() => {});
      await whenRecorded(recorder, () => (recorder.queries.listConversations().find((c) => c.id === conversation.id)?.state === 'working' ? true : undefined));
      await requester.kill();
      const ended = await whenRecorded(recorder, () => {
        const row = recorder.queries.getTaskStatus(conversation.id);
        return row.endedAt ? row : undefined;
      });
      expect(ended.state).to.equal('canceled');
      expect(ended.error?.code).to.equal('E_PEER_LOST');
      // The recorder's clear of the retained snapshot (an empty payload) is itself recorded.
      await whenRecorded(recorder, () => (recorder.queries.listMessages({ topicPrefix: Topics.conversationState(conversation.id) }).some((m) => m.payload === '') ? true : undefined));
    } finally {
      await recorder.stop();
      await bus.close();
    }
  });

  it('migrates a version 2 database: events, replies and reply topics stay answerable', () => {
    const path = join(dir, 'v2.db');
    const db = new BetterSqlite3(path);
    migrate(db, MIGRATIONS.slice(0, 2));
    const request = createEnvelope({ kind: 'request', from: 'a', to: 'b', conversationId: 'c1', schema: 'q@1', replyTo: 'comms/v1/replies/a', body: { x: 1 } });
    const reply = createEnvelope({ kind: 'reply', from: 'b', to: 'a', conversationId: 'c1', correlationId: request.id, schema: 'q.answer@1', body: { answer: 42 } });
    const ev = JSON.parse(event('c1', 1, 'completed').toString()) as { id: string; body: unknown };
    const insert = db.prepare(`INSERT INTO messages (message_id, topic, kind, schema, conversation_id, retained, valid, size, payload, received_at) VALUES (?, ?, ?, 'x', 'c1', 0, 1, ?, ?, '2026-01-02T03:04:05.678Z')`);
    for (const [topic, envelope] of [['comms/v1/modules/b/inbox', request], ['comms/v1/replies/a', reply], [Topics.conversationEvents('c1'), ev]] as const) {
      const bytes = Buffer.from(JSON.stringify(envelope));
      insert.run(envelope.id, topic, topic.endsWith('inbox') ? 'request' : topic.includes('replies') ? 'reply' : 'event', bytes.length, bytes);
    }
    db.prepare(`INSERT INTO conversation_events VALUES ('c1', 1, ?, 'state', 'completed', ?, '2026-01-02T03:04:05.678Z')`).run(ev.id, JSON.stringify(ev.body));
    db.prepare(`INSERT INTO conversations (id, requester, responder, query, request_id, state, result_message_id, started_at, updated_at, ended_at) VALUES ('c1', 'a', 'b', 'q@1', ?, 'completed', ?, 't', 't', 't')`).run(request.id, reply.id);
    db.close();

    const migrated = openWriter(path);
    const queries = new CommsQueries(migrated);
    expect(queries.getConversationEvents('c1').map((e) => [e.seq, e.event.state, e.at])).to.deep.equal([[1, 'completed', '2026-01-02T03:04:05.678Z']]);
    expect(queries.getTaskStatus('c1').result).to.deep.equal({ answer: 42 });
    expect(queries.getConversationMessages('c1').map((m) => m.topic)).to.deep.equal(['comms/v1/modules/b/inbox', 'comms/v1/replies/a', Topics.conversationEvents('c1')]);
    expect(migrated.prepare('SELECT reply_to FROM conversations').pluck().get()).to.equal('comms/v1/replies/a');
    // New messages go on after the migrated ones.
    new MessageRecorder(migrated).record({ topic: Topics.conversationEvents('c2'), payload: event('c2', 1, 'working'), retained: false });
    expect(queries.listMessages().map((m) => m.seq)).to.deep.equal([1, 2, 3, 4]);
    migrated.close();
  });

  it('stores a payload byte for byte, compressed, and a state snapshot without its bytes', () => {
    const db = openWriter(join(dir, 'codec.db'));
    const recorder = new MessageRecorder(db);
    const payload = event('c9', 1, 'working');
    recorder.record({ topic: Topics.conversationEvents('c9'), payload, retained: false });
    const snapshot = encodeEnvelope(createEnvelope({ kind: 'event', from: 'a', to: '*', conversationId: 'c9', seq: 1, schema: 'conversation.state@1', body: { state: 'working', seq: 1, requester: 'a', responder: 'b', query: 'q@1', percent: 0, attempts: 1, startedAt: 't', updatedAt: 't' } }));
    expect(recorder.record({ topic: Topics.conversationState('c9'), payload: snapshot, retained: true })).to.include({ stored: true, valid: true });
    const stored = db.prepare('SELECT payload FROM message_log ORDER BY seq').pluck().all() as Array<Buffer | null>;
    expect((stored[0] as Buffer).length).to.be.lessThan(payload.length / 2);
    expect(stored[1]).to.equal(null);
    const messages = new CommsQueries(db).getConversationMessages('c9');
    expect(Buffer.from(JSON.stringify(messages[0]?.payload)).equals(payload)).to.equal(true);
    expect(messages[1]).to.include({ payload: null, elided: true, topic: Topics.conversationState('c9') });
    db.close();
  });

  it('token-codes envelopes exactly, whatever ids, text and bytes they carry', () => {
    const conversationId = '01m8tkc63tarb3bhrxta2q23cp';
    const samples = [
      createEnvelope({ kind: 'request', from: 'a', to: 'b', conversationId, schema: 'q@1', replyTo: 'comms/v1/replies/a', body: { text: 'é 日本 \u0001 "quoted" \n', id: '01m8tkc6xxxx' } }),
      createEnvelope({ kind: 'reply', from: 'b', to: 'a', conversationId, correlationId: '01m8tkc64qar7vennfp7m5y4nd', schema: 'q.answer@1', body: { same: conversationId, prefix: conversationId.slice(0, 8) } }),
      createEnvelope({ kind: 'event', from: 'a', to: '*', conversationId: 'c', seq: 3, schema: 'conversation.event@1', body: { c: 'c', cc: 'ccc' } }),
    ];
    const db = openWriter(join(dir, 'tokens.db'));
    const recorder = new MessageRecorder(db);
    for (const envelope of samples) {
      const payload = Buffer.from(JSON.stringify(envelope, null, envelope.kind === 'reply' ? 2 : undefined));
      recorder.record({ topic: Topics.moduleInbox('b'), payload, retained: false });
      const stored = db.prepare('SELECT payload FROM message_log ORDER BY seq DESC LIMIT 1').pluck().get() as Buffer;
      expect(stored.length).to.be.lessThan(payload.length);
      expect(decodePayload(stored, envelope.conversationId).equals(payload)).to.equal(true);
    }
    db.close();
  });

  it('retention by size deletes the oldest ended records until the pages in use fit, never an open conversation', () => {
    const db = openWriter(join(dir, 'size.db'));
    const recorder = new MessageRecorder(db);
    recorder.record({ topic: Topics.conversationEvents('open'), payload: event('open', 1, 'working'), retained: false, receivedAt: '2020-01-01T00:00:00.000Z' });
    // One conversation a second, oldest first.
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    const group = Array.from({ length: 3000 }, (_, i) => ({ topic: Topics.conversationEvents(`done-${i}`), payload: event(`done-${i}`, 1, 'completed'), retained: false, receivedAt: at(i) }));
    recorder.recordBatch(group);
    const before = usedBytes(db);
    const limit = Math.floor(before / 3);
    const removed = recorder.prune({ maxBytes: limit });
    expect(removed.conversations).to.be.greaterThan(0);
    expect(usedBytes(db)).to.be.at.most(limit);
    const queries = new CommsQueries(db);
    expect(queries.getConversationEvents('open')).to.have.length(1);
    // Oldest first: the newest conversation is still whole, the oldest is gone.
    expect(queries.getConversationEvents('done-2999').map((e) => e.event.state)).to.deep.equal(['completed']);
    expect(() => queries.getTaskStatus('done-0')).to.throw('no conversation done-0');
    // The recorder still records after keys were pruned under it.
    recorder.record({ topic: Topics.conversationEvents('done-0'), payload: event('done-0', 2, 'completed'), retained: false });
    expect(queries.getConversationEvents('done-0').map((e) => e.seq)).to.deep.equal([2]);
    expect(pruneRecords(db, { maxAgeMs: 3650 * 86_400_000 }).messages).to.equal(0);
    db.close();
  });
});
