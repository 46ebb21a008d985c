/**
 * CPU cost of one request/reply round trip, Actor ask() vs raw mqtt.js, all in one process (broker too):
 * wall-clock rates are noisy on a shared machine, CPU microseconds per conversation are not.
 *   node --import tsx bench/bus/cpu-probe.ts [--requests N] [--concurrency C] [--rounds R] [--only actors|raw]
 */
import { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { startBroker } from '../../broker/index.ts';
import { Actor } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';
import { echo, rawAsker, serveRawEcho, TEXT } from './echo.ts';
import { percentile, rawClient, runConcurrent, settle } from './support.ts';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '5000' }, concurrency: { type: 'string', default: '1' }, rounds: { type: 'string', default: '3' }, only: { type: 'string', default: 'raw,actors' } } });
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

/** Socket writes (each one a syscall that also runs the loopback receive path): the dominant cost per message here. */
let writes = 0;
const proto = Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown };
const original = proto._writeGeneric;
proto._writeGeneric = function (this: unknown, ...args: unknown[]) {
  writes++;
  return original.apply(this, args);
};

async function measure(name: string, ask: (n: number) => Promise<void>): Promise<void> {
  await runConcurrent(500, concurrency, ask);
  for (let r = 0; r < rounds; r++) {
    await settle();
    const cpu0 = process.cpuUsage();
    const writes0 = writes;
    const run = await runConcurrent(requests, concurrency, ask);
    const cpu = process.cpuUsage(cpu0);
    const usPer = (cpu.user + cpu.system) / requests;
    console.log(`${name} C=${concurrency}: ${((writes - writes0) / requests).toFixed(2)} writes/conv, ${usPer.toFixed(0)} us CPU/conv (user ${(cpu.user / requests).toFixed(0)}), ${(requests / (run.elapsedMs / 1000)).toFixed(0)} conv/s wall, p50 ${percentile(run.latencies, 50).toFixed(2)} p99 ${percentile(run.latencies, 99).toFixed(2)}`);
  }
}

const broker = await startBroker({ port: 0 });
try {
  if (values.only.includes('raw')) {
    const responder = await rawClient(broker.url, 'raw-responder');
    const requester = await rawClient(broker.url, 'raw-requester');
    await serveRawEcho(responder);
    await measure('raw   ', await rawAsker(requester, 'bench/raw/replies/raw-requester'));
    await requester.endAsync();
    await responder.endAsync();
  }
  if (values.only.includes('actors')) {
    const responder = await new Actor({ name: 'bench-responder', url: broker.url, logger: createLogger('r', 'silent') }).handle(echo).start();
    const requester = await new Actor({ name: 'bench-requester', url: broker.url, logger: createLogger('q', 'silent') }).start();
    await measure('actors', async (n) => {
      const answer = await requester.ask<{ n: number }>('bench-responder', 'bench.echo@1', { text: TEXT, n });
      if (answer.n !== n) throw new Error('mismatch');
    });
    await requester.stop();
    await responder.stop();
  }
} finally {
  await broker.close();
}
