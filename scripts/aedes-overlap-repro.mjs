// Minimal reproduction of an aedes 1.x defect: a persistent (clean: false) QoS 1 subscriber that
// holds two overlapping filters loses messages. Only aedes and mqtt.js; run with `node scripts/aedes-overlap-repro.mjs`.
//
// What happens: a message matching both filters is queued twice for the client. aedes delivers
// the first copy and drops the second as a duplicate, clearing it with
// persistence.outgoingClearMessageId(client, packet) where packet.messageId is still undefined.
// The in-memory persistence then removes the OLDEST queued entry whose messageId is undefined:
// a different message that was queued but not yet written (its write waits in a setImmediate).
// When that message's turn comes, outgoingUpdate throws `no such packet`, the client is
// disconnected, and the message is never delivered, not even after the reconnect.
import { createServer } from 'node:net';
import { once } from 'node:events';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';

const N = Number(process.argv[2] ?? 1000);
const OVERLAP = process.argv[3] !== 'single';

const broker = await Aedes.createBroker();
const errors = [];
broker.on('clientError', (client, err) => errors.push(`${client.id}: ${err.message}`));
const server = createServer(broker.handle);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `mqtt://127.0.0.1:${server.address().port}`;

const received = new Set();
const sub = await mqtt.connectAsync(url, { clientId: 'sub', clean: false, reconnectPeriod: 50 });
sub.on('message', (topic, payload) => received.add(payload.toString()));
// Two filters that overlap on t/x/status; one filter ('t/#') alone loses nothing.
await sub.subscribeAsync(OVERLAP ? { 't/#': { qos: 1 }, 't/+/status': { qos: 1 } } : { 't/#': { qos: 1 } });

const pub = await mqtt.connectAsync(url, { clientId: 'pub' });
// A data message followed by a status message, sent without waiting for each PUBACK (as a busy bus does).
const sent = [];
for (let i = 0; i < N; i++) {
  const topic = i % 2 === 0 ? 't/x/data' : 't/x/status';
  sent.push(pub.publishAsync(topic, String(i), { qos: 1 }));
}
await Promise.all(sent); // every message PUBACKed by the broker

// Wait until the subscriber's queue is drained: a sentinel published last arrives last.
await new Promise((resolve) => {
  sub.on('message', (topic) => topic === 't/end' && resolve());
  pub.publish('t/end', 'end', { qos: 1 });
});
const missing = [];
for (let i = 0; i < N; i++) if (!received.has(String(i))) missing.push(i);
console.log(JSON.stringify({ filters: OVERLAP ? 2 : 1, published: N, acked: N, received: received.size, missing: missing.length, firstMissing: missing.slice(0, 10), clientErrors: errors.slice(0, 3) }));
await pub.endAsync();
await sub.endAsync(true);
server.close();
await broker.close();
