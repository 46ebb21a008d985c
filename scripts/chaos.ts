/**
 * `npm run chaos`: the fault matrix of issue 8, loopback only, bounded in time and count.
 * For each broker (the embedded one with its state file, and mosquitto) and each fault, it runs
 * a broker process, a `comms recorder` process and a raw mqtt.js QoS 1 publisher, injects the fault
 * a third of the way through, and counts the messages the broker acknowledged that are missing
 * from SQLite. Usage: npm run chaos -- [--runs 5] [--messages 2000] [--only embedded:broker-kill]
 * Scope: the workload is raw messages (no conversations); conversation liveness is covered by
 * test/conversation-ends.test.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { MOSQUITTO, startMosquitto } from '../test/support/mosquitto.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 5);
const MESSAGES = arg('messages', 2000);
const RUN_TIMEOUT_MS = 120_000;
/** --only embedded:broker-kill (broker, fault or both) narrows the matrix. */
const ONLY = (() => {
  const i = process.argv.indexOf('--only');
  return i > 0 ? (process.argv[i + 1] ?? '') : '';
})();
const TOPIC = 'comms/v1/deadletter/chaos';

type Fault = 'none' | 'recorder-kill' | 'broker-kill';
type BrokerKind = 'embedded' | 'mosquitto';

function tsx(args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [join(repo, 'bin', 'comms.js'), ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) resolve({ child, line: match[0] });
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${out}`)));
  });
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function startBrokerProcess(kind: BrokerKind, dir: string, port = 0): Promise<{ child: ChildProcess; url: string; port: number }> {
  if (kind === 'mosquitto') {
    const m = await startMosquitto(dir);
    return { child: m.process, url: m.url, port: Number(new URL(m.url).port) };
  }
  const { child, line } = await tsx(['broker', '--port', String(port), '--state', join(dir, 'broker.db')], /mqtt:\/\/[\d.]+:\d+/);
  return { child, url: line, port: Number(new URL(line).port) };
}

async function runOnce(kind: BrokerKind, fault: Fault): Promise<{ acked: number; missing: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'comms-chaos-'));
  const db = join(dir, 'comms.db');
  const children: ChildProcess[] = [];
  const deadline = setTimeout(() => {
    process.stderr.write(`run exceeded ${RUN_TIMEOUT_MS} ms\n`);
    for (const c of children) c.kill('SIGKILL');
    process.exit(2);
  }, RUN_TIMEOUT_MS);
  try {
    let broker = await startBrokerProcess(kind, dir);
    children.push(broker.child);
    const recorder = () => tsx(['recorder', '--url', broker.url, '--db', db], /recorder: /).then((r) => (children.push(r.child), r.child));
    let rec = await recorder();
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'chaos-pub', clean: false, reconnectPeriod: 100 });
    pub.on('error', () => {});
    const acked = new Set<number>();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < MESSAGES; i++) {
      pending.push(pub.publishAsync(TOPIC, JSON.stringify({ chaos: i }), { qos: 1 }).then(() => void acked.add(i), () => {}));
      if (i % 100 === 99) await Promise.all(pending.splice(0));
      if (i === Math.floor(MESSAGES / 3)) {
        if (fault === 'recorder-kill') {
          await kill(rec);
          rec = await recorder();
        } else if (fault === 'broker-kill') {
          await kill(broker.child);
          broker = await startBrokerProcess(kind, dir, broker.port);
          children.push(broker.child);
        }
      }
    }
    await Promise.all(pending);
    // The barrier: with the recorder offline, a sentinel goes to the tail of its session queue; at its reconnect the
    // broker replays the queue in order, so once the sentinel is in SQLite everything the broker held was delivered.
    // (With the recorder online a live message can overtake a replay still in progress, so it would not be a barrier.)
    await kill(rec);
    await pub.publishAsync(TOPIC, 'end', { qos: 1 });
    rec = await recorder();
    const reader = await until(() => (existsSync(db) ? new BetterSqlite3(db, { readonly: true, fileMustExist: true }) : undefined));
    await until(() => ((reader.prepare('SELECT count(*) AS n FROM messages WHERE topic = ? AND size = 3').get(TOPIC) as { n: number }).n > 0 ? true : undefined));
    const stored = new Set<number>();
    for (const row of reader.prepare('SELECT payload FROM messages WHERE topic = ?').all(TOPIC) as Array<{ payload: Buffer }>) {
      try {
        stored.add((JSON.parse(row.payload.toString()) as { chaos: number }).chaos);
      } catch {
        /* the sentinel */
      }
    }
    reader.close();
    await pub.endAsync(true);
    return { acked: acked.size, missing: [...acked].filter((i) => !stored.has(i)).length };
  } finally {
    clearTimeout(deadline);
    for (const c of children) await kill(c);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Re-check a condition on a short interval (a script watching another process's database has no event to wait on). */
async function until<T>(poll: () => T | undefined): Promise<T> {
  for (;;) {
    const value = poll();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rows: string[] = [];
let lost = false;
const faults: Fault[] = ['none', 'recorder-kill', 'broker-kill'];
for (const kind of ['embedded', 'mosquitto'] as BrokerKind[]) {
  if (kind === 'mosquitto' && !MOSQUITTO) {
    rows.push(`| ${kind} | (mosquitto not installed) | | |`);
    continue;
  }
  for (const fault of faults) {
    if (ONLY && !`${kind}:${fault}`.includes(ONLY)) continue;
    if (kind === 'mosquitto' && fault === 'broker-kill') {
      rows.push(`| ${kind} | ${fault} | not run: mosquitto keeps no QoS 1 queue across SIGKILL without its own persistence | |`);
      continue;
    }
    const missing: number[] = [];
    let acked = 0;
    for (let run = 0; run < RUNS; run++) {
      const result = await runOnce(kind, fault);
      missing.push(result.missing);
      if (result.missing > 0) lost = true;
      acked += result.acked;
    }
    rows.push(`| ${kind} | ${fault} | ${missing.join(', ')} | ${acked} |`);
    process.stderr.write(`${kind} ${fault}: ${missing.join(', ')}\n`);
  }
}
process.stdout.write(`\n${RUNS} run(s) x ${MESSAGES} QoS 1 messages per scenario\n\n| broker | fault | acked messages missing from SQLite per run | acked in total |\n|---|---|---|---|\n${rows.join('\n')}\n`);
process.exit(lost ? 1 : 0);
