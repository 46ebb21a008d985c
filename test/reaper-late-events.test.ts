import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { parseTopic, Topics } from '../protocol/index.ts';
import { CommsQueries, MessageRecorder, openWriter, type IncomingMessage } from '../storage/index.ts';
import { busFixture, echoQuery, until } from './support/bus-fixture.ts';

/**
 * A recorder that restarts gets the retained statuses with its subscription and the events queued
 * in its session in any order (the chaos matrix, docs/reliability.md): a requester's `offline`
 * status may be recorded before the end of conversations that completed before it left, their final
 * event or, for a quiet conversation, which publishes none, the reply.
 */
describe('the reaper and late final events', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-reaper-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  /** Run one conversation and stop its requester; resolves with what went over the bus and the message that ended the conversation. */
  async function completedThenOffline(eventsAfterMs: number) {
    const bus = await busFixture();
    const seen: IncomingMessage[] = [];
    const tap = await mqtt.connectAsync(bus.broker.url, { clientId: 'tap', clean: true });
    const listeners = new Set<() => void>();
    tap.on('message', (topic, payload, packet) => {
      seen.push({ topic, payload: Buffer.from(payload), retained: packet.retain });
      listeners.forEach((f) => f());
    });
    await tap.subscribeAsync('comms/v1/#', { qos: 1 });
    try {
      await bus.actor({ name: 'leaf' }).handle(echoQuery('leaf')).start();
      const client = await bus.actor({ name: 'client' }).start();
      const asked = client.request('leaf', 'echo@1', { text: 'x' }, { eventsAfterMs });
      await asked.result;
      await asked.flushed();
      await client.stop();
      const isOffline = (m: IncomingMessage) => m.topic === Topics.moduleStatus('client') && m.payload.toString().includes('"state":"offline"');
      const isEnd = (m: IncomingMessage) =>
        eventsAfterMs === 0 ? m.topic === Topics.conversationEvents(asked.id) && m.payload.toString().includes('"state":"completed"') : parseTopic(m.topic)?.kind === 'replies' && m.payload.toString().includes(asked.id);
      await until((check) => (listeners.add(check), () => listeners.delete(check)), () => (seen.some(isOffline) && seen.some(isEnd) ? true : undefined));
      return { id: asked.id, offline: seen.filter(isOffline), rest: seen.filter((m) => !isOffline(m)), end: seen.filter(isEnd).at(-1) as IncomingMessage };
    } finally {
      await tap.endAsync(true);
      await bus.close();
    }
  }

  /** Replay into a fresh recorder: everything but the end, then the offline status (as a restarted recorder may), then the end. */
  function replay(run: { id: string; offline: IncomingMessage[]; rest: IncomingMessage[]; end: IncomingMessage }, dbPath: string) {
    const db = openWriter(dbPath);
    const recorder = new MessageRecorder(db);
    for (const m of run.rest) if (m !== run.end) recorder.record(m);
    const reaped = run.offline.flatMap((m) => recorder.record(m).reaped ?? []);
    expect(reaped, 'the offline status ends the row the recorder still believes open').to.deep.equal([run.id]);
    recorder.record(run.end);
    const row = new CommsQueries(db).listConversations().find((c) => c.id === run.id);
    db.close();
    return row;
  }

  it('a conversation that completed before its requester went offline ends completed without error, whatever order the recorder receives them in', async () => {
    const run = await completedThenOffline(0);
    const events = run.rest.filter((m) => m.topic === Topics.conversationEvents(run.id));
    expect(events, 'the conversation events went over the bus').to.not.be.empty;
    const row = replay(run, join(dir, 'replayed.db'));
    expect(row?.state).to.equal('completed');
    expect(row?.error, "the final event replaces the reaper's provisional end").to.equal(null);
  });

  it('so does a quiet one, which publishes no event: its reply, sent before the requester left, replaces the provisional end', async () => {
    const run = await completedThenOffline(600_000);
    expect(run.rest.filter((m) => m.topic === Topics.conversationEvents(run.id)), 'a quiet conversation publishes no event').to.deep.equal([]);
    const row = replay(run, join(dir, 'replayed.db'));
    expect(row?.state).to.equal('completed');
    expect(row?.error).to.equal(null);
    expect(row?.result).to.deep.equal({ text: 'x', handledBy: 'leaf' });
  });

  it('a reply sent after the requester went offline reached nobody: the conversation stays ended by the reaper', async () => {
    const run = await completedThenOffline(600_000);
    // The same reply, as a responder would send it after the requester's offline status was recorded.
    const late = JSON.parse(run.end.payload.toString()) as { sentAt: string };
    late.sentAt = new Date(Date.now() + 60_000).toISOString();
    const rest = run.rest.filter((m) => m !== run.end);
    const row = replay({ ...run, rest, end: { ...run.end, payload: Buffer.from(JSON.stringify(late)) } }, join(dir, 'late.db'));
    expect(row?.state).to.equal('canceled');
    expect(row?.error?.code).to.equal('E_PEER_LOST');
  });
});
