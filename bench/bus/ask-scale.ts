/**
 * Benchmark 3: ask() at scale, in separate processes (broker here; responder, requester and, for the
 * actors, a `comms recorder` each in their own, or the recorder in the broker's publish path here with
 * `recorder: 'broker'`), against raw mqtt.js doing the same round trips:
 *  - sequential: `count` conversations one after another (latency over the run, heap);
 *  - concurrent: `count` conversations open at once (re-sends, requester heap, all recorded).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { startBroker, type EmbeddedBroker } from '../../broker/index.ts';
import { createRecorder } from '../../actors/recorder/index.ts';
import type { AskRun } from './ask-child.ts';
import { settle } from './support.ts';

export interface AskScaleOptions {
  count: number;
  /**
   * Where the recorder runs: `process` (default), a `comms recorder` subscriber in a fourth process (the
   * topology for an external broker); `broker`, inside the embedded broker's publish path in the broker's
   * own process, as `comms up` runs it (docs/architecture.md, the recorder).
   */
  recorder?: 'process' | 'broker';
  concurrency: number;
  /** Temp dir for the recorder's database; the caller removes it. */
  dir: string;
  /** Longest wait for the recorder to have every conversation, ms. */
  recordTimeoutMs: number;
}

export interface AskScaleResult {
  raw: AskRun;
  actors: AskRun;
  /** Completed conversations of the measured run in the recorder's database, and how long after the run they were all there. */
  recorded: number;
  recordedAfterMs: number;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));

/** Start a child; resolves once a stdout line matches `ready`, with the child and every later line. */
function child(args: string[], ready: RegExp): Promise<{ process: ChildProcess; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let pending = '';
    let started = false;
    proc.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (!started && ready.test(line)) {
          started = true;
          resolve({ process: proc, lines });
        }
      }
    });
    proc.on('exit', (code) => {
      if (!started) reject(new Error(`${args.join(' ')} exited (${code}) before it was ready`));
    });
  });
}

async function requester(url: string, options: AskScaleOptions, raw: boolean): Promise<AskRun> {
  const args = ['bench/bus/ask-child.ts', 'requester', '--url', url, '--count', String(options.count), '--concurrency', String(options.concurrency), ...(raw ? ['--raw'] : [])];
  const { lines } = await child(args, /^\{/);
  return JSON.parse(lines.at(-1) as string) as AskRun;
}

async function withBroker<T>(work: (url: string, started: ChildProcess[], broker: EmbeddedBroker, onStop: (stop: () => Promise<void>) => void) => Promise<T>): Promise<T> {
  const broker = await startBroker({ port: 0 });
  const started: ChildProcess[] = [];
  const stops: Array<() => Promise<void>> = [];
  try {
    return await work(broker.url, started, broker, (stop) => stops.push(stop));
  } finally {
    // Children stop while the broker is still up, or they would wait out their reconnect loops.
    await Promise.all(started.map(stopChild));
    for (const stop of stops) await stop();
    await broker.close();
  }
}

/** SIGTERM, then SIGKILL if it is still there after 10 s. */
function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/** Completed bench conversations in the recorder's database, polled until all `expected` are there. */
async function recordedCount(dbPath: string, expected: number, timeoutMs: number): Promise<{ recorded: number; afterMs: number }> {
  const t0 = performance.now();
  let recorded = 0;
  while (performance.now() - t0 < timeoutMs) {
    const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
    try {
      recorded = (db.prepare(`SELECT count(*) AS n FROM conversations WHERE requester = 'bench-requester' AND state = 'completed'`).get() as { n: number }).n;
    } finally {
      db.close();
    }
    if (recorded >= expected) break;
    await settle(200);
  }
  return { recorded, afterMs: performance.now() - t0 };
}

export async function askScale(options: AskScaleOptions): Promise<AskScaleResult> {
  const raw = await withBroker(async (url, started) => {
    started.push((await child(['bench/bus/ask-child.ts', 'raw-responder', '--url', url], /^ready$/)).process);
    return requester(url, options, true);
  });
  const dbPath = join(options.dir, `ask-scale-${options.count}-${options.concurrency}-${options.recorder ?? 'process'}.db`);
  return withBroker(async (url, started, broker, onStop) => {
    if (options.recorder === 'broker') {
      const recorder = createRecorder({ url, dbPath, broker });
      await recorder.start();
      onStop(() => recorder.stop());
    } else {
      started.push((await child(['cli/main.ts', 'recorder', '--url', url, '--db', dbPath], /^recorder:/)).process);
    }
    started.push((await child(['bench/bus/ask-child.ts', 'responder', '--url', url], /^ready$/)).process);
    const actors = await requester(url, options, false);
    const warmUp = Math.min(200, options.count);
    const { recorded, afterMs } = await recordedCount(dbPath, options.count + warmUp, options.recordTimeoutMs);
    return { raw, actors, recorded: recorded - warmUp, recordedAfterMs: afterMs };
  });
}
