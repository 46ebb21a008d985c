/**
 * Benchmark 3: ask() at scale, in separate processes (broker here; responder, requester and, for the
 * actors, a `comms recorder` each in their own, or the recorder in the broker's publish path here with
 * `recorder: 'broker'`), against raw mqtt.js doing the same round trips:
 *  - sequential: `count` conversations one after another (latency over the run, heap);
 *  - concurrent: `count` conversations open at once (re-sends, requester heap, all recorded).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { startBroker, type EmbeddedBroker } from '../../broker/index.ts';
import { createRecorder } from '../../actors/recorder/index.ts';
import type { AskRun } from './ask-child.ts';
import { settle, writeCalls } from './support.ts';

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

/** CPU time (user + system, all threads) per conversation of the measured run, µs, by process; absent where it could not be read. */
export interface CpuPerConversation {
  requester?: number;
  responder?: number;
  broker?: number;
  recorder?: number;
}

export interface AskScaleResult {
  raw: AskRun;
  actors: AskRun;
  rawCpu: CpuPerConversation;
  actorsCpu: CpuPerConversation;
  /** Write system calls per conversation by process, as CPU. */
  rawWrites: CpuPerConversation;
  actorsWrites: CpuPerConversation;
  /** Completed conversations of the measured run in the recorder's database, and how long after the run they were all there. */
  recorded: number;
  recordedAfterMs: number;
}

const repo = fileURLToPath(new URL('../..', import.meta.url));

/**
 * CPU time of a process so far, µs (Linux /proc; user + system of all its threads): on a shared 2-core machine
 * CPU per conversation moves far less than wall-clock rates. Undefined where /proc is missing.
 */
function cpuOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces), counted from 3: utime is the 14th, stime the 15th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ of /proc/<pid>/stat: 100 on every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable from Node). */
const CLOCK_TICKS = 100;

function ownCpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Per conversation, from CPU samples taken when the measured run started and ended. */
function perConversation(start: number | undefined, end: number | undefined, count: number): number | undefined {
  return start === undefined || end === undefined ? undefined : (end - start) / count;
}

/**
 * The children run compiled JavaScript (dist/, built by `npm run build`; the recorder through bin/comms.js),
 * as `comms` and the actors do in use: tsx would add its loader and a `__name` call for every closure made.
 */
const ASK_CHILD = 'dist/bench/bus/ask-child.js';
const COMMS = 'bin/comms.js';

/** Start a child; resolves once a stdout line matches `ready`, with the child and every later line. */
function child(args: string[], ready: RegExp, onLine?: (line: string) => void): Promise<{ process: ChildProcess; lines: string[] }> {
  return new Promise((resolve, reject) => {
    // BENCH_CPU_PROF=DIR: a --cpu-prof profile of every child, written to DIR when it exits.
    const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    const proc = spawn(process.execPath, ['--expose-gc', ...profile, ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let pending = '';
    let started = false;
    proc.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        onLine?.(line);
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

async function requester(
  url: string,
  options: AskScaleOptions,
  raw: boolean,
  others: { responder?: number; recorder?: number },
): Promise<{ run: AskRun; cpu: CpuPerConversation; writes: CpuPerConversation; recorderStart?: number; recorderWritesStart?: number }> {
  const args = [ASK_CHILD, 'requester', '--url', url, '--count', String(options.count), '--concurrency', String(options.concurrency), ...(raw ? ['--raw'] : [])];
  // The other processes' CPU, sampled when the requester says its measured run starts and when it ends.
  let start: ReturnType<typeof sample> | undefined;
  let end: ReturnType<typeof sample> | undefined;
  const sample = () => ({
    broker: ownCpu(),
    responder: cpuOf(others.responder),
    recorder: cpuOf(others.recorder),
    writes: { broker: writeCalls('self'), responder: writeCalls(others.responder), recorder: writeCalls(others.recorder) },
  });
  const { lines } = await child(args, /^\{/, (line) => {
    if (line === 'measuring') start = sample();
    else if (line.startsWith('{')) end = sample();
  });
  const run = JSON.parse(lines.at(-1) as string) as AskRun;
  const cpu: CpuPerConversation = {
    requester: run.cpuUs / run.count,
    responder: perConversation(start?.responder, end?.responder, run.count),
    broker: perConversation(start?.broker, end?.broker, run.count),
  };
  const writes: CpuPerConversation = {
    ...(run.writes !== undefined ? { requester: run.writes / run.count } : {}),
    responder: perConversation(start?.writes.responder, end?.writes.responder, run.count),
    broker: perConversation(start?.writes.broker, end?.writes.broker, run.count),
  };
  return {
    run,
    cpu,
    writes,
    ...(start?.recorder !== undefined ? { recorderStart: start.recorder } : {}),
    ...(start?.writes.recorder !== undefined ? { recorderWritesStart: start.writes.recorder } : {}),
  };
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
  const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale', '--quiet'], { cwd: repo, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('bench/bus/ask-scale: npm run build failed');
  const raw = await withBroker(async (url, started) => {
    const responder = (await child([ASK_CHILD, 'raw-responder', '--url', url], /^ready$/)).process;
    started.push(responder);
    return requester(url, options, true, { responder: responder.pid });
  });
  const dbPath = join(options.dir, `ask-scale-${options.count}-${options.concurrency}-${options.recorder ?? 'process'}.db`);
  return withBroker(async (url, started, broker, onStop) => {
    let recorderPid: number | undefined;
    if (options.recorder === 'broker') {
      const recorder = createRecorder({ url, dbPath, broker });
      await recorder.start();
      onStop(() => recorder.stop());
    } else {
      const recorder = (await child([COMMS, 'recorder', '--url', url, '--db', dbPath], /^recorder:/)).process;
      started.push(recorder);
      recorderPid = recorder.pid;
    }
    const responder = (await child([ASK_CHILD, 'responder', '--url', url], /^ready$/)).process;
    started.push(responder);
    const actors = await requester(url, options, false, { responder: responder.pid, recorder: recorderPid });
    const warmUp = Math.min(200, options.count);
    const { recorded, afterMs } = await recordedCount(dbPath, options.count + warmUp, options.recordTimeoutMs);
    // The recorder may still be committing when the requester ends: its share is counted until all is recorded.
    const recorderCpu = perConversation(actors.recorderStart, cpuOf(recorderPid), actors.run.count);
    const recorderWrites = perConversation(actors.recorderWritesStart, writeCalls(recorderPid), actors.run.count);
    return {
      raw: raw.run,
      actors: actors.run,
      rawCpu: raw.cpu,
      actorsCpu: recorderCpu === undefined ? actors.cpu : { ...actors.cpu, recorder: recorderCpu },
      rawWrites: raw.writes,
      actorsWrites: recorderWrites === undefined ? actors.writes : { ...actors.writes, recorder: recorderWrites },
      recorded: recorded - warmUp,
      recordedAfterMs: afterMs,
    };
  });
}
