import { availableParallelism, loadavg } from 'node:os';

/**
 * Documents longer than this are read on the calling thread alone. A worker costs 100-150 MB of
 * RSS (its own pdf.js, copy of the document and font caches), while the layouts kept for a long
 * document fill most of a 300 MB budget by themselves. Measured on the 400-page IRS manual joined
 * to itself (compiled, peak RSS, one thread / with one worker): 400 pages 175 / 247 MB, 800 pages
 * 194 / 300 MB, 1,200 pages 226 / 340 MB, 1,600 pages 255-279 / 424 MB.
 */
export const MAX_PAGES_WITH_WORKERS = 600;

/**
 * Cores one reading thread keeps busy. Besides its own JavaScript, V8 runs garbage collection
 * (concurrent marking, parallel scavenges) and optimising compilation on background threads of
 * the same isolate: reading the 8 largest corpus files (968 pages) on one thread used 12.7 s of
 * CPU in 8.0 s of wall time (compiled, 2 cores, load 2.8). So a second thread pays only when
 * about two more cores are free: on 2 cores, the same pages read with one worker beside the
 * calling thread took the same or more wall time (10.4 / 20.1 s against 10.8 / 12.3 s) and
 * 35-60% more CPU (20.0 / 23.8 s against 14.9 / 14.3 s).
 */
const CORES_PER_THREAD = 2;

/** CPU time of this process (all its threads) at a moment; two of these give its recent use. */
interface Mark {
  ms: number;
  cpuUs: number;
}

const now = (): Mark => {
  const u = process.cpuUsage();
  return { ms: performance.now(), cpuUs: u.user + u.system };
};

/** Recent CPU marks; the older one is 30-60 s old once the process has run that long (the load average's minute). */
let marks: Mark[] = [now()];

/**
 * Cores this process itself kept busy over about the last minute: its share of the 1-minute
 * load average, which must not count as other work (a process that has just extracted a
 * document would otherwise see its own load and think the machine busy).
 */
function ownCores(): number {
  const at = now();
  const from = marks[0]!;
  const ms = at.ms - from.ms;
  if (at.ms - marks[marks.length - 1]!.ms >= 30_000) marks.push(at);
  while (marks.length > 2 && at.ms - marks[1]!.ms >= 30_000) marks = marks.slice(1);
  return ms >= 1000 ? (at.cpuUs - from.cpuUs) / 1000 / ms : 0;
}

/**
 * Threads to read a document of `pages` pages with, the calling thread included (it reads pages
 * too, so N threads means N - 1 workers). `requested` wins, capped at pages/8. By default: the
 * cores not busy with other processes' work (cores minus the 1-minute load average less this
 * process's own use), CORES_PER_THREAD of them per thread, at least one; one thread for
 * documents over MAX_PAGES_WITH_WORKERS pages (memory).
 * Under tsx the default is one thread: every worker would load its own tsx transpiler and source
 * maps (measured: 1.27 GB peak RSS on a 400-page file with two workers, against 263 MB for the
 * same run as compiled JavaScript).
 */
export function workerCount(pages: number, requested?: number): number {
  const cores = availableParallelism();
  const others = Math.max(0, loadavg()[0]! - ownCores());
  const free = Math.max(1, Math.floor((cores - others) / CORES_PER_THREAD));
  const byDefault = import.meta.url.endsWith('.ts') || pages > MAX_PAGES_WITH_WORKERS ? 1 : free;
  return Math.max(1, Math.min(requested ?? byDefault, Math.floor(pages / 8)));
}
