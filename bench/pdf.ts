/**
 * PDF extraction benchmark: `npx tsx bench/pdf.ts [--corpus DIR | --pdf FILE]` (also step 3 of
 * `npm run bench`); without either it measures the generated sample article.
 * Builds the extractor to JavaScript (npm run build), then in one run measures
 *  1. speed: pages/s of extractPdf over every readable corpus file, in one process (default threads),
 *     against `pdftotext -layout` on the same files (ratio = ours / pdftotext);
 *  2. memory: peak RSS of a fresh process extracting the corpus's largest file (by pages), and a
 *     file of at least 1,400 pages made by joining that file to itself with `pdfunite`
 *     (poppler-utils, like pdftotext) in a temp dir, each against pdftotext's on the same file;
 *  3. start-up: wall time and peak RSS of `comms --help` and of a fresh extraction of one small
 *     file, compiled JavaScript (dist/) against the same code run through tsx (median of 3).
 * Heading quality is measured by `npm run eval`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { samplePath } from '../samples/index.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const { values: cli, positionals } = parseArgs({ options: { corpus: { type: 'string' }, pdf: { type: 'string' } }, allowPositionals: true });
// A bare directory argument is the corpus, as before; without one, one PDF (--pdf, or the generated sample).
const corpus = cli.corpus ?? positionals[0];
const only = corpus === undefined ? (cli.pdf !== undefined ? resolve(cli.pdf) : await samplePath('sample.pdf')) : undefined;
if (only !== undefined && !existsSync(only)) {
  console.error(`bench/pdf.ts: ${only} not found`);
  process.exit(2);
}
const dir = only !== undefined ? `${dirname(only)}/` : `${resolve(corpus as string)}/`;
const CHILD = `${repo}dist/bench/pdf-child.js`;

function passwords(): Map<string, string> {
  const out = new Map<string, string>();
  const manifest = `${dir}MANIFEST.tsv`;
  if (!existsSync(manifest)) return out;
  for (const line of readFileSync(manifest, 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t');
    const m = /user(?: password)? "+([^"]+)"+/.exec(cols[9] ?? '');
    if (cols[0] && m) out.set(cols[0], m[1]!);
  }
  return out;
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

interface FileRun {
  file: string;
  pages?: number;
  ms?: number;
  error?: string;
}

/** Run the compiled child on files; returns per-file results and the child's peak RSS. */
function runChild(args: string[]): { runs: FileRun[]; maxRssMb: number; ms: number; cpuMs: number } {
  const r = spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } });
  if (r.status !== 0) throw new Error(`bench child failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as FileRun & { done?: boolean; maxRssMb?: number; cpuMs?: number });
  const done = lines.find((l) => l.done)!;
  return { runs: lines.filter((l) => !l.done), maxRssMb: done.maxRssMb!, ms: done.ms!, cpuMs: done.cpuMs! };
}

/** pdftotext -layout on one file: wall ms and peak RSS (MB) via GNU time when present. */
function poppler(file: string, password?: string): { ms: number; cpuMs: number; rssMb: number } | null {
  const args = ['-q', '-layout', ...(password ? ['-upw', password] : []), file, '/dev/null'];
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const t0 = performance.now();
  const r = timeBin ? spawnSync(timeBin, ['-f', '%M %U %S', 'pdftotext', ...args], { encoding: 'utf8' }) : spawnSync('pdftotext', args, { encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) return null;
  const m = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr ?? '');
  return { ms, cpuMs: m ? (Number(m[2]) + Number(m[3])) * 1000 : Number.NaN, rssMb: m ? Number(m[1]) / 1024 : Number.NaN };
}

const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale', '--quiet'], { cwd: repo, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('bench/pdf: npm run build failed');
  process.exit(1);
}
if (spawnSync('pdftotext', ['-v']).error) {
  console.error('bench/pdf: pdftotext is not on PATH (apt-get install poppler-utils); there is no baseline.');
  process.exit(1);
}

const pw = passwords();
const files = only !== undefined ? [basename(only)] : readdirSync(dir).filter((f) => f.endsWith('.pdf')).sort();
const { runs, ms: childMs, cpuMs: childCpuMs } = runChild(files.map((f) => (pw.has(f) ? `${dir}${f}::${pw.get(f)}` : `${dir}${f}`)));

console.log('1. Speed (compiled JS, default threads (extraction/threads.ts), one process for the whole corpus)');
console.log(`${pad('file', 42)}${lpad('pages', 6)}${lpad('ours p/s', 10)}${lpad('pdftotext p/s', 15)}${lpad('ratio', 8)}`);
let pages = 0;
let oursMs = 0;
let popMs = 0;
let popCpuMs = 0;
let biggest: { file: string; pages: number } | undefined;
for (const r of runs) {
  const name = r.file.slice(dir.length);
  if (r.error !== undefined || r.pages === undefined || r.ms === undefined) {
    console.log(`${pad(name, 42)}  skipped: ${r.error}`);
    continue;
  }
  const pop = poppler(r.file, pw.get(name));
  if (!pop) {
    console.log(`${pad(name, 42)}  skipped: pdftotext failed`);
    continue;
  }
  pages += r.pages;
  oursMs += r.ms;
  popMs += pop.ms;
  popCpuMs += pop.cpuMs;
  if (!biggest || r.pages > biggest.pages) biggest = { file: r.file, pages: r.pages };
  const ps = (ms: number) => (r.pages! / (ms / 1000)).toFixed(1);
  console.log(`${pad(name, 42)}${lpad(r.pages, 6)}${lpad(ps(r.ms), 10)}${lpad(ps(pop.ms), 15)}${lpad((pop.ms / r.ms).toFixed(2), 8)}`);
}
const ours = pages / (oursMs / 1000);
const pop = pages / (popMs / 1000);
console.log(`${pad('TOTAL', 42)}${lpad(pages, 6)}${lpad(ours.toFixed(1), 10)}${lpad(pop.toFixed(1), 15)}${lpad((ours / pop).toFixed(2), 8)}`);
console.log(`(child process wall time incl. startup: ${(childMs / 1000).toFixed(1)} s)`);
console.log(`extractPdf runs at ${(ours / pop).toFixed(2)}x the page rate of pdftotext -layout (target >= 0.5x).`);
// On a shared machine wall time depends on other load; CPU time per page does not.
console.log(
  `CPU time: extractPdf ${(childCpuMs / 1000).toFixed(1)} s for ${pages} pages (whole child, startup included), pdftotext ${(popCpuMs / 1000).toFixed(1)} s: ` +
    `${(popCpuMs / childCpuMs).toFixed(2)}x pdftotext's pages per CPU-second; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores.`,
);

/** The issue's memory target is on a file of about 1,400 pages; the visible corpus has none. */
const LONG_PAGES = 1400;

if (biggest) {
  const name = biggest.file.slice(dir.length);
  console.log(`\n2. Memory, fresh process per file (peak RSS, worker threads included)`);
  const mem = runChild([biggest.file]);
  const p = poppler(biggest.file, pw.get(name));
  console.log(`${pad(`${name} (${biggest.pages} pages)`, 48)} extractPdf ${mem.maxRssMb.toFixed(0)} MB, ${(mem.cpuMs / 1000).toFixed(1)} s CPU; pdftotext -layout ${p ? p.rssMb.toFixed(0) : 'n/a'} MB, ${p ? (p.cpuMs / 1000).toFixed(1) : 'n/a'} s CPU`);
  const copies = Math.ceil(LONG_PAGES / biggest.pages);
  const tmp = mkdtempSync(join(tmpdir(), 'comms-bench-pdf-'));
  try {
    const long = join(tmp, `${copies}x-${name}`);
    const united = pw.has(name) ? null : spawnSync('pdfunite', [...Array<string>(copies).fill(biggest.file), long], { encoding: 'utf8' });
    if (!united || united.error || united.status !== 0) {
      console.log(`${pad(`${copies} x ${name}`, 48)} skipped: ${united ? `pdfunite failed (${united.error?.message ?? united.stderr.trim()}); apt-get install poppler-utils` : 'the file is encrypted'}`);
    } else {
      const lm = runChild([long]);
      const pages = lm.runs[0]?.pages ?? 0;
      const lp = poppler(long);
      console.log(`${pad(`${copies} x ${name} (${pages} pages)`, 48)} extractPdf ${lm.maxRssMb.toFixed(0)} MB, ${(lm.cpuMs / 1000).toFixed(1)} s CPU, ${((lm.runs[0]?.ms ?? 0) / 1000).toFixed(1)} s wall; pdftotext -layout ${lp ? lp.rssMb.toFixed(0) : 'n/a'} MB, ${lp ? (lp.cpuMs / 1000).toFixed(1) : 'n/a'} s CPU, ${lp ? (lp.ms / 1000).toFixed(1) : 'n/a'} s wall`);
      console.log(`peak RSS on a ${pages}-page file: extractPdf ${lm.maxRssMb.toFixed(0)} MB (target <= 300 MB on a 1,400-page file).`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Median wall ms and peak RSS (MB, GNU time when present) of `node ARGS` over three runs. */
function startup(nodeArgs: string[], env: NodeJS.ProcessEnv = {}): { ms: number; rssMb: number } {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const runs: Array<{ ms: number; rssMb: number }> = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = timeBin
      ? spawnSync(timeBin, ['-f', '%M', process.execPath, ...nodeArgs], { cwd: repo, encoding: 'utf8', env: { ...process.env, COMMS_LOG_LEVEL: 'silent', ...env } })
      : spawnSync(process.execPath, nodeArgs, { cwd: repo, encoding: 'utf8', env: { ...process.env, COMMS_LOG_LEVEL: 'silent', ...env } });
    const m = /(\d+)\s*$/.exec(r.stderr ?? '');
    runs.push({ ms: performance.now() - t0, rssMb: m ? Number(m[1]) / 1024 : Number.NaN });
  }
  runs.sort((a, b) => a.ms - b.ms);
  return runs[1]!;
}

const small = only ?? `${dir}${files.find((f) => f.startsWith('misc_tagged')) ?? files[0]}`;
const cases: Array<[string, string[], string[], NodeJS.ProcessEnv?]> = [
  ['comms --help', ['bin/comms.js', '--help'], ['bin/comms.js', '--help'], { COMMS_RUN_SOURCE: '1' }],
  [`extract ${basename(small)}`, [CHILD, small], ['--import', 'tsx', 'bench/pdf-child.ts', small]],
];
console.log('\n3. Start-up, fresh process (median of 3): compiled JavaScript in dist/ against the same code through tsx');
for (const [name, compiled, source, env] of cases) {
  const c = startup(compiled);
  const t = startup(source, env);
  console.log(`${pad(name, 42)} compiled ${(c.ms / 1000).toFixed(2)} s ${c.rssMb.toFixed(0)} MB; tsx ${(t.ms / 1000).toFixed(2)} s ${t.rssMb.toFixed(0)} MB; ${(t.ms / c.ms).toFixed(2)}x faster`);
}
