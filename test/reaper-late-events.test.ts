import { expect } from 'chai';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Topics } from '../protocol/index.ts';
import { CommsQueries, MessageRecorder, openWriter, type IncomingMessage } from '../storage/index.ts';
import { busFixture, echoQuery, until } from './support/bus-fixture.ts';

/**
 * A recorder that restarts gets the retained statuses with its subscription and the events queued
 * in its session in any order (the chaos matrix, docs/reliability.md): a requester's `offline`
 * status may be recorded before the final events of conversations that completed before it left.
 */
describe('the reaper and late final events', function () {
  this.timeout(60_000);

  it('a conversation that completed before its requester went offline ends completed without error, whatever order the recorder receives them in', async () => {
    const bus = await busFixture();
    const seen: IncomingMessage[] = [];
    const tap = await mqtt.connectAsync(bus.broker.url, { clientId: 'tap', clean: true });
    const listeners = new Set<() => void>();
    tap.on('message', (topic, payload, packet) => {
      seen.push({ topic, payload: Buffer.from(payload), retained: packet.retain });
      listeners.forEach((f) => f());
    });
    await tap.subscribeAsync('comms/v1/#', { qos: 1 });
    const isStatus = (m: IncomingMessage, state: string) => m.topic === Topics.moduleStatus('client') && m.payload.toString().includes(`"state":"${state}"`);
    try {
      await bus.actor({ name: 'leaf' }).handle(echoQuery('leaf')).start();
      const client = await bus.actor({ name: 'client' }).start();
      const asked = client.request('leaf', 'echo@1', { text: 'x' });
      await asked.result;
      await asked.flushed();
      await client.stop();
      await until(
        (check) => (listeners.add(check), () => listeners.delete(check)),
        () => (seen.some((m) => isStatus(m, 'offline')) && seen.some((m) => m.topic === Topics.conversationEvents(asked.id) && m.payload.toString().includes('"state":"completed"')) ? true : undefined),
      );

      // Replay what went over the bus into a fresh recorder, the offline status first (as a restarted recorder may).
      const offline = seen.filter((m) => isStatus(m, 'offline'));
      const rest = seen.filter((m) => !isStatus(m, 'offline'));
      const events = rest.filter((m) => m.topic === Topics.conversationEvents(asked.id));
      expect(events, 'the conversation events went over the bus').to.not.be.empty;
      const final = events.at(-1) as IncomingMessage;
      const dbPath = join(bus.dir, 'replayed.db');
      const db = openWriter(dbPath);
      const recorder = new MessageRecorder(db);
      for (const m of rest) if (m !== final) recorder.record(m);
      const reaped = offline.flatMap((m) => recorder.record(m).reaped ?? []);
      expect(reaped, 'the offline status ends the row the recorder still believes open').to.deep.equal([asked.id]);
      recorder.record(final);
      const row = new CommsQueries(db).listConversations().find((c) => c.id === asked.id);
      expect(row?.state).to.equal('completed');
      expect(row?.error, 'the final event replaces the reaper\'s provisional end').to.equal(null);
      db.close();
    } finally {
      await tap.endAsync(true);
      await bus.close();
    }
  });
});
