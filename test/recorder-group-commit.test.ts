import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import type { Client, PublishPacket, PubrelPacket } from 'aedes';
import { createRecorder } from '../actors/recorder/index.ts';
import { startBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { createEnvelope, encodeEnvelope, Topics } from '../protocol/index.ts';
import { busFixture, deferred, until } from './support/bus-fixture.ts';

function event(conversationId: string): Buffer {
  const body = { type: 'state', state: 'working', requester: 'a', responder: 'b', query: 'q@1', requestId: `${conversationId}-r`, attempt: 1 };
  return encodeEnvelope(createEnvelope({ kind: 'event', from: 'a', to: '*', conversationId, seq: 1, schema: 'conversation.event@1', body }));
}

describe('the recorder as an MQTT subscriber (group commit)', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'comms-group-commit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('acknowledges each message after its commit, and messages that arrive one at a time share commits', async () => {
    const broker = await startBroker({ port: 0 });
    const dbPath = join(dir, 'comms.db');
    // Not attached to the broker: it subscribes to comms/v1/#, as with mosquitto.
    const recorder = createRecorder({ url: broker.url, dbPath, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'group-commit-pub', protocolVersion: 4, reconnectPeriod: 0 });
    const reader = new BetterSqlite3(dbPath, { readonly: true });
    const recordedNow = reader.prepare('SELECT COUNT(*) FROM messages WHERE topic = ?').pluck();
    const total = 100;
    const acked: string[] = [];
    const notYetCommitted: string[] = [];
    let groups = 0;
    recorder.events.on('committed', () => groups++);
    // aedes names the acknowledged message only for a persistent session (it keeps no outgoing store for a clean one).
    const onAck = (packet: PublishPacket | PubrelPacket | undefined, client: Client) => {
      const topic = packet && 'topic' in packet ? packet.topic : undefined;
      if (client?.id !== 'recorder' || !topic?.startsWith('comms/v1/conversations/gc-')) return;
      // The broker has the recorder's PUBACK: another connection must already read the message.
      if (recordedNow.get(topic) !== 1) notYetCommitted.push(topic);
      acked.push(topic);
    };
    broker.aedes.on('ack', onAck);
    try {
      // One at a time: each publish is acknowledged by the broker before the next goes out.
      for (let i = 0; i < total; i++) await publisher.publishAsync(Topics.conversationEvents(`gc-${i}`), event(`gc-${i}`), { qos: 1 });
      await until(
        (check) => (broker.aedes.on('ack', check), () => broker.aedes.off('ack', check)),
        () => (acked.length >= total ? true : undefined),
      );
      expect(notYetCommitted).to.deep.equal([]);
      expect(acked).to.deep.equal(Array.from({ length: total }, (_, i) => Topics.conversationEvents(`gc-${i}`)), 'PUBACKs in the order of the messages');
      expect(groups).to.be.greaterThan(0).and.lessThan(total);
    } finally {
      broker.aedes.off('ack', onAck);
      reader.close();
      await publisher.endAsync();
      await recorder.stop();
      await broker.close();
    }
  });

  it('commits a batch the embedded broker sent in one write as one transaction, beyond the group of 20 that no longer lingers', async () => {
    // Deliveries to the recorder held for 1 s (or 1 MiB): the events published at once below leave the broker together.
    // (The recorder's start and stop wait for deliveries to itself, so each waits out a window too.)
    const broker = await startBroker({ port: 0, deliveryBatching: { windowMs: 1_000, maxBytes: 1024 * 1024 } });
    const recorder = createRecorder({ url: broker.url, dbPath: join(dir, 'comms.db'), logger: createLogger('recorder', 'silent') });
    const groups: number[] = [];
    const committed = (check: () => void) => (recorder.events.on('committed', check), () => recorder.events.off('committed', check));
    recorder.events.on('committed', (size: number) => groups.push(size));
    await recorder.start();
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'group-commit-pub', protocolVersion: 4, reconnectPeriod: 0 });
    try {
      // The recorder's own announcements are held too: once their batch is in, ours starts a window of its own.
      await until(committed, () => (groups.length > 0 ? true : undefined));
      groups.length = 0;
      const total = 100;
      await Promise.all(Array.from({ length: total }, (_, i) => publisher.publishAsync(Topics.conversationEvents(`burst-${i}`), event(`burst-${i}`), { qos: 1 })));
      await until(committed, () => (groups.reduce((a, b) => a + b, 0) >= total ? true : undefined));
      expect(Math.max(...groups), `groups committed: ${groups.join(', ')}`).to.be.at.least(total);
    } finally {
      await publisher.endAsync();
      await recorder.stop();
      await broker.close();
    }
  });

  it('with pipelined listeners: reads on while a listener is pending, acknowledges in order, and never a failed one', async () => {
    const bus = await busFixture();
    const pending: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
    const allThree = deferred();
    const acked: string[] = [];
    const onAck = (packet: PublishPacket | PubrelPacket | undefined, client: Client) => {
      if (client?.id === 'piped' && packet && 'topic' in packet && packet.topic.startsWith('comms/v1/test/')) acked.push(packet.topic);
    };
    bus.broker.aedes.on('ack', onAck);
    const actor = bus.actor({ name: 'piped', pipelinedListeners: true, persistentSession: true }).subscribe(
      'comms/v1/test/#',
      () =>
        new Promise<void>((resolve, reject) => {
          pending.push({ resolve, reject });
          if (pending.length === 3) allThree.resolve();
        }),
    );
    await actor.start();
    const publisher = await mqtt.connectAsync(bus.broker.url, { clientId: 'piped-pub', protocolVersion: 4, reconnectPeriod: 0 });
    // A round trip on the actor's own connection: whatever it wrote before is processed by the broker by then.
    const roundTrip = () => actor.publishRaw('comms/v1/other/round-trip', 'x');
    try {
      for (const n of [1, 2, 3]) await publisher.publishAsync(`comms/v1/test/${n}`, `m${n}`, { qos: 1 });
      // All three reached the listener while none of them was done: the connection did not wait for the first.
      await allThree.promise;
      pending[2]?.resolve();
      pending[1]?.reject(new Error('could not store'));
      await roundTrip();
      expect(acked, 'the third waits for the first').to.deep.equal([]);
      pending[0]?.resolve();
      await until(
        (check) => (bus.broker.aedes.on('ack', check), () => bus.broker.aedes.off('ack', check)),
        () => (acked.length >= 2 ? true : undefined),
      );
      await roundTrip();
      expect(acked).to.deep.equal(['comms/v1/test/1', 'comms/v1/test/3']);
    } finally {
      bus.broker.aedes.off('ack', onAck);
      await publisher.endAsync();
      await bus.close();
    }
  });
});
