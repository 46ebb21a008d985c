/**
 * What a commit costs the recorder per message, by group size: captures the traffic of 3,000 echo
 * conversations (request, reply, final event) from an embedded broker, then writes it with
 * MessageRecorder.recordBatch in groups of each size into a fresh database, CPU µs per message.
 *   node --import tsx bench/bus/group-size.ts [1,3,6,30,1000]
 * (Why the MQTT subscriber recorder commits in groups: actors/recorder/group-commit.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBroker } from '../../broker/index.ts';
import { Actor } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';
import { echo, TEXT } from './echo.ts';
import { settle } from './support.ts';
import { MessageRecorder, openWriter, type IncomingMessage } from '../../storage/index.ts';

const broker = await startBroker({ port: 0 });
const sub = await mqtt.connectAsync(broker.url, { clientId: 'cap', protocolVersion: 4 });
const msgs: IncomingMessage[] = [];
sub.on('message', (topic, payload, packet) => msgs.push({ topic, payload: Buffer.from(payload), retained: packet.retain }));
await sub.subscribeAsync('comms/v1/#', { qos: 1 });
const resp = await new Actor({ name: 'bench-responder', url: broker.url, logger: createLogger('r', 'silent') }).handle(echo).start();
const req = await new Actor({ name: 'bench-requester', url: broker.url, logger: createLogger('q', 'silent') }).start();
for (let i = 0; i < 3000; i++) await req.ask('bench-responder', 'bench.echo@1', { text: TEXT, n: i });
// The last final events and statuses are still on their way to the capturing subscriber.
await settle(300);
await req.stop();
await resp.stop();
await sub.endAsync();
await broker.close();
console.log(`captured ${msgs.length} messages`);
for (const g of (process.argv[2] ?? '1,3,6,30,1000').split(',').map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), 'comms-group-size-'));
  const db = openWriter(join(dir, 'c.db'));
  const rec = new MessageRecorder(db);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < msgs.length; i += g) rec.recordBatch(msgs.slice(i, i + g));
  const c = process.cpuUsage(cpu0);
  console.log(`group ${g}: ${((c.user + c.system) / msgs.length).toFixed(1)} us/msg (sys ${(c.system / msgs.length).toFixed(1)})`);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
