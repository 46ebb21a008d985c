import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PageRequest, PageResult, WorkerInit } from './page-job.ts';

/** Thrown inside the pool when the caller's signal fires; extract.ts maps it to E_CANCELED. */
export class PoolAborted extends Error {
  readonly code = 'E_POOL_ABORTED';
}

/**
 * Worker threads to use for a document of `pages` pages: one per core, never more than pages/8.
 * When running as TypeScript under tsx the default is none: every worker would load its own tsx
 * transpiler and source maps (measured: 1.27 GB peak RSS on a 400-page file with two workers,
 * against 263 MB for the same run as compiled JavaScript), so workers are opt-in there.
 */
export function workerCount(pages: number, requested?: number): number {
  const cap = requested ?? (import.meta.url.endsWith('.ts') ? 0 : availableParallelism());
  return Math.max(0, Math.min(cap, Math.floor(pages / 8)));
}

/**
 * The worker script beside this module, in the same language: `.ts` under tsx (the worker
 * inherits the parent's `--import tsx` through execArgv), `.js` when running compiled code.
 */
function workerUrl(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./page-worker${ext}`, import.meta.url);
}

/**
 * A small old generation makes V8 collect pdf.js's per-page garbage (decoded streams, glyph
 * tables) early instead of growing the heap; pages need far less than this.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 160 };

/**
 * Start the page worker. Compiled JavaScript runs directly. Under tsx the worker must register
 * the tsx loader itself (tsx's --import hook does not take effect inside worker threads on
 * Node 20), so a two-line bootstrap registers it and then imports the TypeScript worker.
 */
function startWorker(init: WorkerInit): Worker {
  const url = workerUrl();
  if (url.pathname.endsWith('.js')) return new Worker(url, { workerData: init, resourceLimits: WORKER_LIMITS });
  // The ESM build of tsx's API (the CommonJS one cannot register ESM hooks from a worker).
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData: init, resourceLimits: WORKER_LIMITS });
}

/**
 * Read `count` pages with `threads` workers, handing out one page at a time to whichever worker is
 * free, so at most one page per worker is in memory besides the finished layouts. Results arrive
 * in completion order through `onResult`.
 */
export async function readPagesInWorkers(init: WorkerInit, count: number, threads: number, onResult: (r: PageResult) => void, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let finished = 0;
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
      const onAbort = () => fail(new PoolAborted('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker) => {
        if (next < count) w.postMessage({ index: next++ } satisfies PageRequest);
      };
      for (let i = 0; i < threads; i++) {
        const w = startWorker(init);
        workers.push(w);
        w.on('error', fail);
        w.on('exit', (code) => {
          if (finished < count && code !== 0) fail(new Error(`page worker exited with code ${code}`));
        });
        w.on('message', (msg: PageResult | { ready: true }) => {
          if ('ready' in msg) return feed(w);
          onResult(msg);
          finished++;
          if (finished === count) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          } else feed(w);
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
