import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PageResult, WorkerInit, WorkerReply, WorkerRequest } from './page-job.ts';

/** Thrown inside the pool when the caller's signal fires; extract.ts maps it to E_CANCELED. */
export class PoolAborted extends Error {
  readonly code = 'E_POOL_ABORTED';
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
 * Idle workers are kept this long for the next document, then ended: a warm worker holds pdf.js
 * (tens of MB), and starting one costs about a second of CPU (loading and compiling pdf.js).
 */
const IDLE_MS = 30_000;

/**
 * Start a page worker. Compiled JavaScript runs directly. Under tsx the worker must register
 * the tsx loader itself (tsx's --import hook does not take effect inside worker threads on
 * Node 20), so a two-line bootstrap registers it and then imports the TypeScript worker.
 */
function startWorker(): Worker {
  const url = workerUrl();
  if (url.pathname.endsWith('.js')) return new Worker(url, { resourceLimits: WORKER_LIMITS });
  // The ESM build of tsx's API (the CommonJS one cannot register ESM hooks from a worker).
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, resourceLimits: WORKER_LIMITS });
}

interface Member {
  worker: Worker;
  /** Resolves on the worker's `ready`; rejects if it dies first. */
  ready: Promise<void>;
}

/**
 * Page workers kept warm across documents. One document is read at a time (calls queue), so the
 * workers never hold two documents; between documents they are unref'd (they never keep the
 * process alive) and after IDLE_MS they are ended. A failed or canceled job ends all workers,
 * so the next one starts from clean threads.
 */
class PagePool {
  #members: Member[] = [];
  #queue: Promise<void> = Promise.resolve();
  #jobs = 0;
  #idle: NodeJS.Timeout | undefined;

  run(init: WorkerInit, claim: () => number | undefined, threads: number, onResult: (r: PageResult) => void, signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#run(init, claim, threads, onResult, signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  /** Workers started since the process began (tests check that documents reuse them). */
  started = 0;

  #member(): Member {
    this.started++;
    const worker = startWorker();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once('message', (m: WorkerReply) => (m.type === 'ready' ? resolve() : reject(new Error(`page worker sent ${m.type} first`))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`page worker exited with code ${code}`)));
    });
    ready.catch(() => undefined);
    const member = { worker, ready };
    // A worker that dies leaves the pool; the next job starts a new one.
    worker.on('exit', () => (this.#members = this.#members.filter((m) => m !== member)));
    worker.on('error', () => undefined);
    return member;
  }

  async #run(init: WorkerInit, claim: () => number | undefined, threads: number, onResult: (r: PageResult) => void, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new PoolAborted('aborted');
    clearTimeout(this.#idle);
    while (this.#members.length < threads) this.#members.push(this.#member());
    const used = this.#members.slice(0, threads);
    const job = ++this.#jobs;
    const cleanups: Array<() => void> = [];
    const opened = new Set<Member>();
    let ok = false;
    try {
      await new Promise<void>((resolve, reject) => {
        /** Workers still reading a page or not yet started; the job ends when none is left. */
        let busy = used.length;
        const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
        const onAbort = () => fail(new PoolAborted('aborted'));
        signal?.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal?.removeEventListener('abort', onAbort));
        for (const m of used) {
          const post = (req: WorkerRequest) => m.worker.postMessage(req);
          const feed = () => {
            const index = signal?.aborted ? undefined : claim();
            if (index === undefined) {
              if (--busy === 0) resolve();
              return;
            }
            // A worker opens the document only once it has a page of it to read: when the calling
            // thread has taken every page first (short documents), no worker parses it for nothing.
            if (!opened.has(m)) post({ type: 'open', job, init });
            opened.add(m);
            post({ type: 'page', job, index });
          };
          const onMessage = (msg: WorkerReply) => {
            if (msg.type === 'failed' && msg.job === job) fail(new Error(msg.error));
            if (msg.type !== 'page' || msg.job !== job) return;
            onResult(msg.result);
            feed();
          };
          const onExit = (code: number) => fail(new Error(`page worker exited with code ${code}`));
          m.worker.on('message', onMessage);
          m.worker.on('exit', onExit);
          m.worker.on('error', fail);
          m.worker.ref();
          cleanups.push(() => {
            m.worker.off('message', onMessage);
            m.worker.off('exit', onExit);
            m.worker.off('error', fail);
          });
          m.ready.then(feed, fail);
        }
      });
      ok = true;
    } finally {
      for (const c of cleanups) c();
      if (ok) {
        for (const m of opened) m.worker.postMessage({ type: 'close', job } satisfies WorkerRequest);
        this.#rest();
      } else {
        const members = this.#members;
        this.#members = [];
        await Promise.all(members.map((m) => m.worker.terminate()));
      }
    }
  }

  /** Let the process exit while workers wait, and end them if no document comes. */
  #rest(): void {
    for (const m of this.#members) m.worker.unref();
    this.#idle = setTimeout(() => void this.close(), IDLE_MS);
    this.#idle.unref();
  }

  /** End all workers now (they restart on the next document). */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const members = this.#members;
    this.#members = [];
    await Promise.all(members.map((m) => m.worker.terminate()));
  }
}

const pool = new PagePool();

/**
 * Read pages with `threads` pooled workers: each free worker takes the next page from `claim`
 * (shared with the calling thread, which reads pages too) until it returns undefined, so at most
 * one page per worker is in memory besides the finished layouts. Results arrive in completion
 * order through `onResult`.
 */
export function readPagesInWorkers(init: WorkerInit, claim: () => number | undefined, threads: number, onResult: (r: PageResult) => void, signal?: AbortSignal): Promise<void> {
  return pool.run(init, claim, threads, onResult, signal);
}

/** How many page workers this process has started so far. */
export function pageWorkersStarted(): number {
  return pool.started;
}

/** End the pooled page workers now instead of after IDLE_MS (tests; idle workers never keep a process alive). */
export function closePageWorkers(): Promise<void> {
  return pool.close();
}
