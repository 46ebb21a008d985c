/**
 * `npm run bench` — bus benchmarks, each against a baseline measured in the same run:
 *  1. recorded throughput: QoS 1 messages/s the recorder commits to SQLite, vs raw aedes delivery
 *     and raw better-sqlite3 inserts;
 *  2. request/reply: Actor ask() conversations/s and latency, vs a hand-rolled mqtt.js round trip;
 *     and the SQLite bytes a small conversation costs (bench/bus/storage-footprint.ts);
 *  3. ask() at scale in separate processes with the recorder on, vs raw mqtt.js: `--count` sequential
 *     conversations (latency over the run) and `--concurrent` open at once (re-sends, requester heap, all recorded);
 *  4. the PDF extraction benchmark (bench/pdf.ts), on by default when pdftotext is on PATH;
 *  5. instance pooling: first answer of a cold instance vs a warm pooled one (bench/instances/);
 *  6. replicas (bench/bus/replicas.ts): marker conversions/s with 1 vs N replicas on mosquitto, when it is installed.
 *
 * Flags: --messages N (20000)  --conversations K (300, for bytes per conversation)  --requests M (2000)  --concurrency 1,32  --window W (256 PUBACKs in flight)
 *        --count S (2000 sequential; the issue's figure is 100000)  --concurrent K (10000)
 *        --pdf / --no-pdf  --pdf-corpus DIR  --only recorded,rpc,sequential,concurrent,pdf,instances,replicas  --timeout SECONDS (600, whole run)
 *        --conversions K (30)  --replicas 1,3
 *        --recorder process,broker (section 3: the recorder as a 4th process subscribing, as for an external broker; and
 *          inside the embedded broker's publish path in the broker's process, as `comms up` runs it)
 * Section 3 also prints each process's CPU time per conversation (the figure to compare on a shared machine);
 * BENCH_CPU_PROF=DIR profiles its children (--cpu-prof), BENCH_HEAP_SNAPSHOT=DIR writes the requester's heap once all are sent.
 * All traffic is on 127.0.0.1 (embedded brokers on free ports); temp files are removed at the end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recordedThroughput, type ThroughputResult } from './bus/recorded-throughput.ts';
import { askScale, type AskScaleResult, type CpuPerConversation } from './bus/ask-scale.ts';
import { requestReply, type RequestReplyResult } from './bus/request-reply.ts';
import { storageFootprint, type FootprintResult } from './bus/storage-footprint.ts';
import { printReplicas, replicaThroughput } from './bus/replicas.ts';
import { MOSQUITTO } from '../test/support/mosquitto.ts';
import { fmtMs, fmtRate, fmtRatio, table } from './bus/support.ts';
import { printPoolLatency } from './instances/print-pool-latency.ts';
import { poolLatency } from './instances/pool-latency.ts';

process.env.COMMS_LOG_LEVEL = 'silent';

const repo = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    requests: { type: 'string', default: '2000' },
    conversations: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,32' },
    window: { type: 'string', default: '256' },
    count: { type: 'string', default: '2000' },
    concurrent: { type: 'string', default: '10000' },
    pdf: { type: 'boolean' },
    'no-pdf': { type: 'boolean' },
    'pdf-corpus': { type: 'string' },
    only: { type: 'string', default: 'recorded,rpc,sequential,concurrent,pdf,instances,replicas' },
    conversions: { type: 'string', default: '30' },
    replicas: { type: 'string', default: '1,3' },
    timeout: { type: 'string', default: '600' },
    recorder: { type: 'string', default: 'process,broker' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (args.help) {
  console.log('usage: npm run bench -- [--messages N] [--conversations K] [--requests M] [--concurrency 1,32] [--window W] [--count S] [--concurrent K] [--pdf|--no-pdf] [--pdf-corpus DIR] [--only recorded,rpc,sequential,concurrent,pdf,instances,replicas] [--conversions K] [--replicas 1,3] [--recorder process,broker] [--timeout S]');
  process.exit(0);
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const messages = positiveInt('messages', args.messages);
const requests = positiveInt('requests', args.requests);
const footprintConversations = positiveInt('conversations', args.conversations);
const window = positiveInt('window', args.window);
const count = positiveInt('count', args.count);
const concurrent = positiveInt('concurrent', args.concurrent);
const timeoutS = positiveInt('timeout', args.timeout);
const recorderPlaces = args.recorder.split(',').map((p): 'process' | 'broker' => {
  const place = p.trim();
  if (place === 'process' || place === 'broker') return place;
  console.error(`--recorder takes process and/or broker, got ${JSON.stringify(place)}`);
  return process.exit(2);
});
const concurrency = args.concurrency.split(',').map((c) => positiveInt('concurrency', c.trim()));
const conversions = positiveInt('conversions', args.conversions);
const replicaCounts = args.replicas.split(',').map((c) => positiveInt('replicas', c.trim()));
const only = new Set(args.only.split(',').map((s) => s.trim()));

const dir = mkdtempSync(join(tmpdir(), 'comms-bench-'));

/** A hung benchmark must not hang the run: report, remove the temp dir, exit non-zero. Unref'd, so it never keeps a finished run alive. */
const watchdog = setTimeout(() => {
  console.error(`\nbench: still running after ${timeoutS} s (--timeout); giving up.`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}, timeoutS * 1000);
watchdog.unref();

const onPath = (cmd: string) => spawnSync(cmd, ['-v'], { stdio: 'ignore' }).status === 0;

function printRecorded(r: ThroughputResult): void {
  console.log(`\n1. Recorded throughput: ${r.messages.toLocaleString('en-US')} conversation.event@1 envelopes (~${r.payloadBytes} B), QoS 1, ${window} PUBACKs in flight`);
  console.log(
    table(
      ['case', 'rate', 'unit', 'recorded / this'],
      [
        ['recorder: raw publisher -> aedes publish path -> SQLite group commit -> PUBACK', fmtRate(r.recordedPerSec), 'msg/s', ''],
        ['(info) recorder as MQTT subscriber (external brokers), group commit (5 ms linger, a read at once)', fmtRate(r.subscriberPerSec), 'msg/s', fmtRatio(r.recordedPerSec / r.subscriberPerSec)],
        ['baseline A: raw aedes, raw publisher -> raw QoS 1 subscriber', fmtRate(r.rawAedesPerSec), 'msg/s', fmtRatio(r.recordedPerSec / r.rawAedesPerSec)],
        ['baseline B: raw SQLite, 1 row per transaction (WAL, sync=NORMAL)', fmtRate(r.sqlitePerRowPerSec), 'rows/s', fmtRatio(r.recordedPerSec / r.sqlitePerRowPerSec)],
        ['baseline B: raw SQLite, 1000 rows per transaction', fmtRate(r.sqliteBatchedPerSec), 'rows/s', fmtRatio(r.recordedPerSec / r.sqliteBatchedPerSec)],
        ['(info) MessageRecorder.record() direct, no MQTT, 1 per transaction', fmtRate(r.directRecorderPerSec), 'msg/s', fmtRatio(r.recordedPerSec / r.directRecorderPerSec)],
        ['(info) MessageRecorder.recordBatch() direct, no MQTT, 1000 per transaction', fmtRate(r.directBatchedPerSec), 'msg/s', fmtRatio(r.recordedPerSec / r.directBatchedPerSec)],
      ],
    ),
  );
  if (r.invalid > 0) console.log(`WARNING: the recorder stored ${r.invalid} of the benchmark messages as invalid.`);
  console.log(`Group commit: ${r.messages.toLocaleString('en-US')} messages in ${r.recordedGroups.toLocaleString('en-US')} transactions (${(r.messages / Math.max(1, r.recordedGroups)).toFixed(1)} a commit).`);
  console.log(
    `Summary: the recorder commits ${fmtRate(r.recordedPerSec)} msg/s = ${fmtRatio(r.recordedPerSec / r.rawAedesPerSec)} raw aedes delivery (${fmtRate(r.rawAedesPerSec)} msg/s) ` +
      `and ${fmtRatio(r.recordedPerSec / r.sqlitePerRowPerSec)} raw SQLite per-row commits (${fmtRate(r.sqlitePerRowPerSec)} rows/s; batched: ${fmtRate(r.sqliteBatchedPerSec)} rows/s).`,
  );
}

function printFootprint(r: FootprintResult): void {
  const top = Object.entries(r.byObject)
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, bytes]) => `${name} ${bytes}`)
    .join(', ');
  console.log(
    `Storage: ${fmtRate(r.bytesPerConversation)} bytes of SQLite per small conversation (echo ask(), ${r.messagesPerConversation.toFixed(1)} messages each, ` +
      `difference of ${r.conversations} and a tenth of them; target <= 2,048): ${top}.`,
  );
}

function printRpc(r: RequestReplyResult): void {
  console.log(`\n2. Request/reply: ${r.requests.toLocaleString('en-US')} echo round trips per concurrency level, QoS 1, after ${Math.min(200, r.requests)} warm-up`);
  const rows: string[][] = [];
  for (const a of r.actors) {
    const raw = r.raw.find((s) => s.concurrency === a.concurrency);
    rows.push([`Actor ask() -> Actor.handle(defineQuery)`, String(a.concurrency), fmtRate(a.perSec), fmtMs(a.p50Ms), fmtMs(a.p99Ms), '']);
    if (raw) rows.push([`baseline: raw mqtt.js request/reply`, String(raw.concurrency), fmtRate(raw.perSec), fmtMs(raw.p50Ms), fmtMs(raw.p99Ms), fmtRatio(a.perSec / raw.perSec)]);
  }
  console.log(table(['case', 'C', 'conv/s', 'p50 ms', 'p99 ms', 'actors / this'], rows));
  const parts = r.actors.map((a) => {
    const raw = r.raw.find((s) => s.concurrency === a.concurrency);
    return `C=${a.concurrency}: ${fmtRate(a.perSec)} conv/s (p50 ${fmtMs(a.p50Ms)} ms, p99 ${fmtMs(a.p99Ms)} ms) = ${raw ? fmtRatio(a.perSec / raw.perSec) : 'n/a'} raw mqtt.js (${raw ? fmtRate(raw.perSec) : 'n/a'}/s)`;
  });
  console.log(`Summary: Actor ask() ${parts.join('; ')}.`);
}

function printScale(title: string, r: AskScaleResult, recorderIn: 'process' | 'broker'): void {
  const { raw, actors } = r;
  const where =
    recorderIn === 'process'
      ? 'broker, responder, requester and recorder (a comms recorder subscriber, as for an external broker) in four processes'
      : "recorder inside the embedded broker's publish path (as comms up runs it); broker, responder and requester in three processes";
  console.log(`\n${title}: ${actors.count.toLocaleString('en-US')} conversations, ${actors.concurrency} at a time; ${where}`);
  const row = (name: string, a: AskScaleResult['raw'], ratio: string) => [
    name,
    fmtRate(a.perSec),
    fmtMs(a.p50Ms),
    fmtMs(a.p99Ms),
    fmtMs(a.maxMs),
    `${fmtMs(a.firstTenthP50Ms)} / ${fmtMs(a.lastTenthP50Ms)}`,
    String(a.resends),
    `${a.heapLiveMb.toFixed(0)} / ${a.heapPeakMb.toFixed(0)} / ${a.rssPeakMb.toFixed(0)}`,
    ratio,
  ];
  console.log(
    table(
      ['case', 'conv/s', 'p50 ms', 'p99 ms', 'max ms', 'p50 first/last 10%', 'resends', 'heap live/peak, RSS MB', 'actors / this'],
      [row('Actor ask(), recorder on', actors, ''), row('baseline: raw mqtt.js request/reply', raw, fmtRatio(actors.perSec / raw.perSec))],
    ),
  );
  const perProcess = (c: CpuPerConversation, digits: number) =>
    (['requester', 'responder', 'broker', 'recorder'] as const)
      .filter((k) => c[k] !== undefined)
      .map((k) => `${k} ${(c[k] as number).toFixed(digits)}`)
      .join(', ');
  const total = (c: CpuPerConversation) => Object.values(c).reduce((a: number, b) => a + (b ?? 0), 0);
  console.log(`CPU per conversation, µs (user + system, all threads): actors ${perProcess(r.actorsCpu, 0)} = ${total(r.actorsCpu).toFixed(0)}; raw ${perProcess(r.rawCpu, 0)} = ${total(r.rawCpu).toFixed(0)}.`);
  console.log(
    `Write system calls per conversation (socket writes; /proc/PID/io): actors ${perProcess(r.actorsWrites, 2)} = ${total(r.actorsWrites).toFixed(2)}; raw ${perProcess(r.rawWrites, 2)} = ${total(r.rawWrites).toFixed(2)}.`,
  );
  const all = r.recorded >= actors.count ? 'all' : `ONLY ${r.recorded} of ${actors.count}`;
  console.log(
    `Summary: ask() ${fmtRate(actors.perSec)} conv/s = ${fmtRatio(actors.perSec / raw.perSec)} raw (${fmtRate(raw.perSec)}/s); ${actors.resends} re-sends (${actors.waits} ack periods waited out); ` +
      `requester heap ${actors.heapLiveMb.toFixed(0)} MB live with all sent (peak ${actors.heapPeakMb.toFixed(0)} MB incl. garbage); ${all} recorded (${(r.recordedAfterMs / 1000).toFixed(1)} s after the run).`,
  );
}

/** Run bench/pdf.ts in its own process, its output indented under ours; resolves with its exit code and time. */
function runPdf(corpus: string | undefined): Promise<{ code: number | null; seconds: number; summary?: string }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/pdf.ts', ...(corpus ? ['--corpus', corpus] : [])], {
      cwd: repo,
      env: { ...process.env, COMMS_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let summary: string | undefined;
    let pending = '';
    const forward = (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const speed = /^extractPdf runs at (\S+) the page rate of pdftotext/.exec(line);
        if (speed) summary = `extractPdf at ${speed[1]} the page rate of pdftotext`;
        const rss = /^peak RSS on a (\d+)-page file: extractPdf (\d+) MB/.exec(line);
        if (rss) summary = `${summary ? `${summary}; ` : ''}peak RSS ${rss[2]} MB on a ${rss[1]}-page file`;
        console.log(line ? `   ${line}` : '');
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.on('close', (code) => {
      if (pending) console.log(`   ${pending}`);
      resolve({ code, seconds: (performance.now() - t0) / 1000, summary });
    });
  });
}

async function main(): Promise<number> {
  const started = performance.now();
  console.log(`claude-comms bench: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'})`);
  console.log(`messages=${messages} requests=${requests} concurrency=${concurrency.join(',')} window=${window} count=${count} concurrent=${concurrent}; all traffic on 127.0.0.1; ratios are against baselines measured in this run`);
  let failed = false;
  try {
    if (only.has('recorded')) {
      try {
        printRecorded(await recordedThroughput({ messages, window, dir, phaseTimeoutMs: 60_000 }));
        printFootprint(await storageFootprint({ conversations: footprintConversations, dir }));
      } catch (err) {
        failed = true;
        console.log(`\n1. Recorded throughput FAILED: ${(err as Error).stack ?? String(err)}`);
      }
    }
    if (only.has('rpc')) {
      try {
        printRpc(await requestReply({ requests, concurrency }));
      } catch (err) {
        failed = true;
        console.log(`\n2. Request/reply FAILED: ${(err as Error).stack ?? String(err)}`);
      }
    }
    for (const [name, n, c, title] of [
      ['sequential', count, 1, '3a. Sequential ask()'],
      ['concurrent', concurrent, concurrent, '3b. Concurrent ask()'],
    ] as const) {
      if (!only.has(name)) continue;
      for (const recorderIn of recorderPlaces) {
        try {
          printScale(title, await askScale({ count: n, concurrency: c, dir, recordTimeoutMs: 120_000, recorder: recorderIn }), recorderIn);
        } catch (err) {
          failed = true;
          console.log(`\n${title} FAILED: ${(err as Error).stack ?? String(err)}`);
        }
      }
    }
    if (only.has('replicas') && !MOSQUITTO) console.log('\n6. Replicas: skipped (mosquitto is not installed; apt-get install -y mosquitto).');
    else if (only.has('replicas')) {
      try {
        printReplicas(await replicaThroughput({ conversions, concurrency: 12, replicaCounts, dir }));
      } catch (err) {
        failed = true;
        console.log(`\n6. Replicas FAILED: ${(err as Error).stack ?? String(err)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  if (only.has('pdf')) {
    const hasPoppler = onPath('pdftotext');
    const beside = join(repo, '..', 'shared', 'corpus');
    // Without a corpus (--pdf-corpus, or ../shared/corpus beside the repository) it measures the generated sample.
    const corpus = args['pdf-corpus'] ?? (existsSync(beside) ? beside : undefined);
    const wanted = args['no-pdf'] ? false : (args.pdf ?? hasPoppler);
    if (!wanted) {
      console.log(`\n4. PDF extraction: skipped (${args['no-pdf'] ? '--no-pdf' : 'pdftotext is not on PATH, so there is no baseline; install poppler-utils or pass --pdf to run it anyway'}).`);
    } else if (corpus !== undefined && !existsSync(corpus)) {
      console.log(`\n4. PDF extraction: skipped (no corpus at ${corpus}; pass --pdf-corpus DIR).`);
    } else {
      console.log(`\n4. PDF extraction: tsx bench/pdf.ts ${corpus ? `--corpus ${corpus}` : '(the generated sample)'}${hasPoppler ? '' : ' (pdftotext not on PATH: no speed baseline)'}`);
      const pdf = await runPdf(corpus);
      if (pdf.code !== 0) failed = true;
      console.log(`Summary: PDF benchmark ${pdf.code === 0 ? 'finished' : `FAILED (exit ${pdf.code})`} in ${pdf.seconds.toFixed(1)} s${pdf.summary ? `: ${pdf.summary}` : ''}.`);
    }
  }
  if (only.has('instances')) {
    try {
      printPoolLatency(await poolLatency());
    } catch (err) {
      failed = true;
      console.log(`\n5. Instance pooling FAILED: ${(err as Error).stack ?? String(err)}`);
    }
  }
  console.log(`\nbench done in ${((performance.now() - started) / 1000).toFixed(1)} s${failed ? ' (with failures)' : ''}.`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
