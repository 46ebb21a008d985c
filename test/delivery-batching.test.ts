import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { startBroker, type DeliveryBatching, type EmbeddedBroker } from '../broker/index.ts';
import { Topics } from '../protocol/index.ts';
import { until } from './support/bus-fixture.ts';

/**
 * Deliveries to a subscriber of the whole bus (the recorder) leave in batches (broker/delivery-batching.ts,
 * docs/architecture.md): held until `windowMs` passed or `maxBytes` wait, then one socket write.
 */
describe('delivery batching for whole-bus subscribers', function () {
  this.timeout(60_000);
  let broker: EmbeddedBroker;
  const clients: MqttClient[] = [];

  async function start(batching: DeliveryBatching): Promise<void> {
    broker = await startBroker({ port: 0, deliveryBatching: batching });
  }

  async function client(id: string): Promise<MqttClient> {
    const c = await mqtt.connectAsync(broker.url, { clientId: id, clean: true, protocolVersion: 4 });
    clients.push(c);
    return c;
  }

  /** A subscriber counting the messages it got and the socket reads they came in. */
  async function subscriber(id: string, filter: string) {
    const c = await client(id);
    await c.subscribeAsync(filter, { qos: 1 });
    const got = { messages: [] as string[], reads: 0 };
    const checks = new Set<() => void>();
    c.stream.on('data', () => (got.reads += 1));
    c.on('message', (topic) => {
      got.messages.push(topic);
      checks.forEach((check) => check());
    });
    const received = (n: number) => until((check) => (checks.add(check), () => checks.delete(check)), () => (got.messages.length >= n ? true : undefined));
    return { got, received };
  }

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await broker.close();
  });

  const topic = (i: number) => Topics.conversationEvents(`c${i}`);
  const payload = Buffer.alloc(200, 'x');
  /** Bytes of one QoS 1 PUBLISH of `payload` to topic(i) (i < 10): fixed header 3, topic length 2, topic, packet id 2. */
  const packetBytes = 3 + 2 + topic(0).length + 2 + payload.length;

  it('holds deliveries published one at a time and sends them in one write once maxBytes wait', async () => {
    // A window no test run outlasts: only the byte limit can release the batch.
    await start({ windowMs: 3_600_000, maxBytes: 4 * packetBytes + 1 });
    const whole = await subscriber('whole', Topics.all);
    const publisher = await client('publisher');
    // Each publish waits for the broker's PUBACK: five separate reads by the broker, five deliveries.
    for (let i = 0; i < 5; i++) await publisher.publishAsync(topic(i), payload, { qos: 1 });
    await whole.received(5);
    expect(whole.got.messages).to.deep.equal([0, 1, 2, 3, 4].map(topic));
    expect(whole.got.reads, 'all five came in one read').to.equal(1);
  });

  it('holds past the socket stream\'s 16 KiB high-water mark until maxBytes wait', async () => {
    // 120 packets of ~235 B: ~28 KiB, beyond a net.Socket's writableHighWaterMark, all in one write.
    const count = 120;
    expect(count * packetBytes).to.be.greaterThan(16 * 1024);
    await start({ windowMs: 3_600_000, maxBytes: count * packetBytes });
    const whole = await subscriber('whole', Topics.all);
    const publisher = await client('publisher');
    await Promise.all(Array.from({ length: count }, (_, i) => publisher.publishAsync(topic(i % 10), payload, { qos: 1 })));
    await whole.received(count);
    expect(whole.got.messages).to.have.length(count);
    expect(whole.got.reads, 'one batch, one read').to.equal(1);
  });

  it('sends a delivery that finds no company once the window ends', async () => {
    await start({ windowMs: 20, maxBytes: 1024 * 1024 });
    const whole = await subscriber('whole', Topics.all);
    const publisher = await client('publisher');
    await publisher.publishAsync(topic(1), payload, { qos: 1 });
    await whole.received(1);
    expect(whole.got.messages).to.deep.equal([topic(1)]);
  });

  it('holds nobody else: a subscriber of some topics gets its message while the whole-bus one still waits', async () => {
    await start({ windowMs: 3_600_000, maxBytes: 1024 * 1024 });
    const whole = await subscriber('whole', Topics.all);
    const some = await subscriber('some', Topics.filters.allConversationEvents);
    const publisher = await client('publisher');
    await publisher.publishAsync(topic(2), payload, { qos: 1 });
    await some.received(1);
    expect(some.got.messages).to.deep.equal([topic(2)]);
    expect(whole.got.messages, 'held for the window').to.deep.equal([]);
  });

  it('sends each delivery at once when batching is off', async () => {
    broker = await startBroker({ port: 0, deliveryBatching: false });
    const whole = await subscriber('whole', Topics.all);
    const publisher = await client('publisher');
    for (let i = 0; i < 3; i++) {
      await publisher.publishAsync(topic(i), payload, { qos: 1 });
      await whole.received(i + 1);
    }
    expect(whole.got.reads).to.equal(3);
  });
});
