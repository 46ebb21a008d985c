/**
 * Scale-out on mosquitto (docs/scaling.md): pdf.convert@1 conversions per second with 1 and with N
 * marker replicas, each replica its own `comms actor marker --replica I` process sharing the inbox
 * through `$share/marker/...`; arangodb (requirements) and the requester run in this process.
 * Conversions use `ingest: false` so only marker's own work (pdf.js extraction, conversion) scales.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArangodbActor } from '../../actors/arangodb/index.ts';
import { Actor } from '../../actors/runtime/index.ts';
import { PDF_CONVERT_SCHEMA_ID } from '../../protocol/pdf/index.ts';
import { samplePath } from '../../samples/index.ts';
import { startMosquitto } from '../../test/support/mosquitto.ts';
import { fmtMs, fmtRate, fmtRatio, percentile, runConcurrent, table } from './support.ts';

const commsBin = fileURLToPath(new URL('../../bin/comms.js', import.meta.url));

export interface ReplicaRun {
  replicas: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Conversions answered per replica (by the replica's reply topic named in its answers). */
  spread: number[];
}

export interface ReplicaThroughputResult {
  conversions: number;
  concurrency: number;
  runs: ReplicaRun[];
}

/** `comms actor marker --replica I`; resolves once it says it is online. */
function markerReplica(url: string, replica: number, inputs: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [commsBin, 'actor', 'marker', '--replica', String(replica), '--url', url, '--inputs', inputs], {
    env: { ...process.env, COMMS_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('online at')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`marker replica ${replica} exited with ${code}`)));
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

export async function replicaThroughput(options: { conversions: number; concurrency: number; replicaCounts: readonly number[]; dir: string }): Promise<ReplicaThroughputResult> {
  const mosquitto = await startMosquitto(options.dir);
  const pdf = await samplePath('sample.pdf', join(options.dir, 'samples'));
  const arangodb = await createArangodbActor({ url: mosquitto.url, outDir: join(options.dir, 'ingest'), arango: false }).start();
  const requester = await new Actor({ name: 'bench-replicas', url: mosquitto.url }).start();
  const runs: ReplicaRun[] = [];
  try {
    for (const count of options.replicaCounts) {
      const children: ChildProcess[] = [];
      try {
        for (let i = 1; i <= count; i++) children.push(await markerReplica(mosquitto.url, i, dirname(pdf)));
        const convert = () => requester.request('marker', PDF_CONVERT_SCHEMA_ID, { path: pdf, ingest: false }, { timeoutMs: 120_000, ackTimeoutMs: 30_000 });
        // Warm-up: each replica loads pdf.js once.
        await Promise.all(Array.from({ length: count * 2 }, () => convert().result));
        const holders = new Map<string, number>();
        const { latencies, elapsedMs } = await runConcurrent(options.conversions, options.concurrency, async () => {
          const conversation = convert();
          await conversation.result;
          const holder = conversation.holderTopic ?? 'unknown';
          holders.set(holder, (holders.get(holder) ?? 0) + 1);
        });
        runs.push({ replicas: count, perSec: (options.conversions / elapsedMs) * 1000, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), spread: [...holders.values()].sort((a, b) => b - a) });
      } finally {
        await stopAll(children);
      }
    }
  } finally {
    await requester.stop();
    await arangodb.stop();
    mosquitto.process.kill('SIGTERM');
  }
  return { conversions: options.conversions, concurrency: options.concurrency, runs };
}

export function printReplicas(r: ReplicaThroughputResult): void {
  console.log(`\n6. Replicas on mosquitto: ${r.conversions} pdf.convert@1 (sample.pdf, ingest: false), ${r.concurrency} in flight, each replica its own process`);
  const base = r.runs[0];
  const rows = r.runs.map((run) => [`marker x${run.replicas} ($share/marker/...)`, fmtRate(run.perSec), fmtMs(run.p50Ms), fmtMs(run.p99Ms), run.spread.join('/'), base && run !== base ? fmtRatio(run.perSec / base.perSec) : '(baseline)']);
  console.log(table(['case', 'conv/s', 'p50 ms', 'p99 ms', 'per replica', `vs x${base?.replicas ?? 1}`], rows));
  const last = r.runs[r.runs.length - 1];
  if (base && last && last !== base) {
    console.log(`Summary: ${last.replicas} marker replicas convert ${fmtRate(last.perSec)}/s = ${fmtRatio(last.perSec / base.perSec)} one replica (${fmtRate(base.perSec)}/s) on this machine.`);
  }
}
