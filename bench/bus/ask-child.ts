/**
 * One process of the ask() scale benchmarks (bench/bus/ask-scale.ts), so the requester's heap is its own:
 *   tsx bench/bus/ask-child.ts responder|raw-responder --url U          prints "ready", serves until killed
 *   tsx bench/bus/ask-child.ts requester [--raw] --url U --count N --concurrency C
 *                                                                         prints one JSON line (AskRun)
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { Actor, type Conversation } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';
import { echo, rawAsker, serveRawEcho, TEXT } from './echo.ts';
import { percentile, rawClient, runConcurrent, writeCalls } from './support.ts';

export interface AskRun {
  count: number;
  concurrency: number;
  elapsedMs: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Median latency of the first and the last tenth of the run: flat latency keeps them close. */
  firstTenthP50Ms: number;
  lastTenthP50Ms: number;
  /** Requests sent again (attempts beyond the first), and ack periods waited out instead. */
  resends: number;
  waits: number;
  heapPeakMb: number;
  rssPeakMb: number;
  /** Heap after a full GC once every request of the run was sent (the child runs with --expose-gc): what the open conversations hold. */
  heapLiveMb: number;
  /** This process's CPU time (user + system, all threads) over the measured run, µs. */
  cpuUs: number;
  /** This process's write system calls over the measured run (undefined without /proc). */
  writes?: number;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { url: { type: 'string' }, count: { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '1' }, raw: { type: 'boolean', default: false } },
});
const url = values.url ?? 'mqtt://127.0.0.1:1883';
const silent = (name: string) => createLogger(name, 'silent');

async function serve(role: string): Promise<void> {
  if (role === 'responder') await new Actor({ name: 'bench-responder', url, logger: silent('bench-responder') }).handle(echo).start();
  else await serveRawEcho(await rawClient(url, 'raw-responder'));
  // Exit on SIGTERM rather than die of it, so a --cpu-prof profile (BENCH_CPU_PROF) is written.
  process.once('SIGTERM', () => process.exit(0));
  process.stdout.write('ready\n');
}

/** Heap and RSS peaks, sampled while the run goes on. */
function memoryPeaks(): { stop(): { heapPeakMb: number; rssPeakMb: number }; sample(): void } {
  let heap = 0;
  let rss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    heap = Math.max(heap, m.heapUsed);
    rss = Math.max(rss, m.rss);
  };
  const timer = setInterval(sample, 50);
  return {
    sample,
    stop: () => {
      clearInterval(timer);
      sample();
      return { heapPeakMb: heap / 2 ** 20, rssPeakMb: rss / 2 ** 20 };
    },
  };
}

async function actorAsker(counters: { resends: number; waits: number }): Promise<{ ask: (n: number) => Promise<void>; close(): Promise<void> }> {
  const requester = await new Actor({ name: 'bench-requester', url, logger: silent('bench-requester') }).start();
  // One listener function for every conversation, and re-sends counted where the answer is awaited: the
  // instrumentation adds no closures or promises per open conversation to the heap it measures.
  const onQueued = () => counters.waits++;
  requester.on('conversation', (c: Conversation) => c.on('queued', onQueued));
  return {
    ask: async (n) => {
      const conversation = requester.request<{ n: number }>('bench-responder', 'bench.echo@1', { text: TEXT, n });
      let answer: { n: number };
      try {
        answer = await conversation.result;
      } finally {
        counters.resends += conversation.attempts - 1;
      }
      if (answer.n !== n) throw new Error(`echo mismatch: asked ${n}, got ${answer.n}`);
    },
    close: () => requester.stop(),
  };
}

async function request(): Promise<void> {
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  const counters = { resends: 0, waits: 0 };
  const client = values.raw ? await rawClient(url, 'raw-requester') : undefined;
  const asker = client ? { ask: await rawAsker(client, 'bench/raw/replies/raw-requester'), close: () => client.endAsync() } : await actorAsker(counters);
  await runConcurrent(Math.min(200, count), Math.min(concurrency, 32), asker.ask);
  counters.resends = 0;
  counters.waits = 0;
  // The parent samples the other processes' CPU on this line and on the result line.
  process.stdout.write('measuring\n');
  const cpu0 = process.cpuUsage();
  const writes0 = writeCalls('self');
  const memory = memoryPeaks();
  let heapLiveMb = 0;
  // Once every request of a concurrent run is open, the heap holds all of them.
  setImmediate(() => {
    (globalThis as { gc?: () => void }).gc?.();
    heapLiveMb = process.memoryUsage().heapUsed / 2 ** 20;
    memory.sample();
    // BENCH_HEAP_SNAPSHOT=DIR: what the open conversations hold, for a heap profiler (the pause delays the run).
    if (process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(join(process.env.BENCH_HEAP_SNAPSHOT, `requester-${process.pid}.heapsnapshot`));
  });
  const run = await runConcurrent(count, concurrency, asker.ask);
  const cpu = process.cpuUsage(cpu0);
  const writes1 = writeCalls('self');
  const peaks = memory.stop();
  await asker.close();
  const tenth = Math.max(1, Math.floor(count / 10));
  const result: AskRun = {
    count,
    concurrency,
    elapsedMs: run.elapsedMs,
    perSec: count / (run.elapsedMs / 1000),
    p50Ms: percentile(run.latencies, 50),
    p99Ms: percentile(run.latencies, 99),
    maxMs: run.latencies.reduce((a, b) => Math.max(a, b), 0),
    firstTenthP50Ms: percentile(run.latencies.slice(0, tenth), 50),
    lastTenthP50Ms: percentile(run.latencies.slice(-tenth), 50),
    ...counters,
    ...peaks,
    heapLiveMb,
    cpuUs: cpu.user + cpu.system,
    ...(writes0 !== undefined && writes1 !== undefined ? { writes: writes1 - writes0 } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const role = positionals[0] ?? '';
if (role === 'requester') await request();
else if (role === 'responder' || role === 'raw-responder') await serve(role);
else {
  process.stderr.write(`usage: tsx bench/bus/ask-child.ts responder|raw-responder|requester [--raw] --url URL [--count N] [--concurrency C]\n`);
  process.exit(2);
}
