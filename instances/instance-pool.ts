/**
 * A pool of background instances for one module. It bounds how many run (maxSize), hands each
 * request to an idle instance (the least used one, so work spreads), opens new instances up to
 * maxSize, queues the rest up to maxQueue and refuses more with E_POOL_SATURATED, closes
 * instances idle for idleMs (their conversations stay in the store), and health-checks idle
 * instances every healthIntervalMs, replacing the ones that fail.
 */
import { EventEmitter } from 'node:events';
import { CommsError, toCommsError } from '../protocol/index.ts';
import { BackgroundInstance } from './background-instance.ts';
import type { BackgroundInstanceOptions, InstanceReply, SendOptions } from './instance-options.ts';
import type { InstanceStore } from './instance-store.ts';
import { MemoryInstanceStore } from './memory-instance-store.ts';
import type { ModuleCardLike } from './module-card.ts';

export interface InstancePoolOptions {
  module: ModuleCardLike | string;
  /** Most instances open at once. Default 4. */
  maxSize?: number;
  /** Instances kept open even when idle. Default 0. */
  minSize?: number;
  /** Most requests waiting for an instance; one more is refused with E_POOL_SATURATED. Default 64. */
  maxQueue?: number;
  /** An instance idle this long is closed (0: never). Default 300 000 ms. */
  idleMs?: number;
  /** Period of health checks of idle instances (0: none). Default 60 000 ms. */
  healthIntervalMs?: number;
  /** How instances are opened (backend, store, prompt...). The pool chooses ids. */
  instance?: Omit<BackgroundInstanceOptions, 'id'>;
  /** Reopen stored idle instances of the module (with their history) before creating new ones. Default false. */
  resumeStored?: boolean;
}

export interface PoolStats {
  size: number;
  idle: number;
  busy: number;
  queued: number;
  creating: number;
}

export interface InstancePoolEvents {
  created: [{ instanceId: string; resumed: boolean }];
  dispatched: [{ instanceId: string; queued: number }];
  queued: [{ depth: number }];
  saturated: [{ depth: number }];
  idle: [{ instanceId: string }];
  reaped: [{ instanceId: string }];
  unhealthy: [{ instanceId: string }];
  replaced: [{ from: string; to: string }];
  closed: [];
}

interface Slot {
  instance: BackgroundInstance;
  busy: boolean;
  checking: boolean;
  served: number;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
}

interface Job {
  exec: (instance: BackgroundInstance) => Promise<InstanceReply>;
  resolve: (reply: InstanceReply) => void;
  reject: (err: unknown) => void;
  detach: () => void;
}

export class InstancePool extends EventEmitter<InstancePoolEvents> {
  readonly module: string;
  private readonly card: ModuleCardLike | string;
  private readonly maxSize: number;
  private readonly minSize: number;
  private readonly maxQueue: number;
  private readonly idleMs: number;
  private readonly instanceOptions: Omit<BackgroundInstanceOptions, 'id'>;
  private readonly store: InstanceStore;
  private readonly resumeStored: boolean;
  private readonly slots = new Map<string, Slot>();
  private readonly opening = new Set<string>();
  private readonly queue: Job[] = [];
  private readonly healthTimer: NodeJS.Timeout | undefined;
  /** Instances being opened for queued requests (each one for the request at the queue's head). */
  private creating = 0;
  /** Instances being opened to replace unhealthy ones (no request waits on them in particular). */
  private replacing = 0;
  private closed = false;

  constructor(opts: InstancePoolOptions) {
    super();
    this.card = opts.module;
    this.module = typeof opts.module === 'string' ? opts.module : opts.module.name;
    this.maxSize = Math.max(1, opts.maxSize ?? 4);
    this.minSize = Math.min(this.maxSize, Math.max(0, opts.minSize ?? 0));
    this.maxQueue = Math.max(0, opts.maxQueue ?? 64);
    this.idleMs = opts.idleMs ?? 300_000;
    this.store = opts.instance?.store ?? new MemoryInstanceStore();
    this.instanceOptions = { ...opts.instance, store: this.store };
    this.resumeStored = opts.resumeStored ?? false;
    const healthIntervalMs = opts.healthIntervalMs ?? 60_000;
    if (healthIntervalMs > 0) {
      this.healthTimer = setInterval(() => void this.checkHealth(), healthIntervalMs);
      this.healthTimer.unref();
    }
  }

  /** Sends a prompt to an instance of the pool (see BackgroundInstance.send). */
  send(prompt: string, opts: SendOptions = {}): Promise<InstanceReply> {
    return this.submit((instance) => instance.send(prompt, opts), opts.signal);
  }

  /** Answers a request of one of the card's query types (see BackgroundInstance.answer). */
  answer(querySchema: string, body: unknown, opts: Omit<SendOptions, 'schema' | 'schemaId'> = {}): Promise<InstanceReply> {
    return this.submit((instance) => instance.answer(querySchema, body, opts), opts.signal);
  }

  stats(): PoolStats {
    let busy = 0;
    for (const slot of this.slots.values()) if (slot.busy) busy++;
    return { size: this.slots.size, idle: this.slots.size - busy, busy, queued: this.queue.length, creating: this.creating + this.replacing };
  }

  /** The open instance with this id, if any (for pause, resume and terminate by id). */
  get(id: string): BackgroundInstance | undefined {
    return this.slots.get(id)?.instance;
  }

  /** The store the pool's instances are kept in. */
  get instanceStore(): InstanceStore {
    return this.store;
  }

  /** Ids of the open instances. */
  instanceIds(): string[] {
    return [...this.slots.keys()];
  }

  /** Checks every idle instance now; failing ones are closed and replaced. */
  async checkHealth(): Promise<void> {
    const checks = [...this.slots.values()]
      .filter((slot) => !slot.busy && !slot.checking)
      .map(async (slot) => {
        slot.checking = true;
        let ok = false;
        try {
          ok = await slot.instance.health();
        } catch {
          // A backend or store that throws instead of answering false is unhealthy too; a rejection
          // here would be unhandled (the periodic check runs from a timer).
          ok = false;
        } finally {
          slot.checking = false;
        }
        if (!ok && this.slots.get(slot.instance.id) === slot) await this.replace(slot);
        else this.pump();
      });
    await Promise.all(checks);
  }

  /** Refuses new work, fails queued requests with E_CANCELED and closes all instances. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    for (const job of this.queue.splice(0)) {
      job.detach();
      job.reject(new CommsError('E_CANCELED', `The instance pool for ${this.module} was closed.`));
    }
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(
      slots.map((slot) => {
        if (slot.idleTimer) clearTimeout(slot.idleTimer);
        return slot.instance.close();
      }),
    );
    this.emit('closed');
  }

  private submit(exec: Job['exec'], signal: AbortSignal | undefined): Promise<InstanceReply> {
    if (this.closed) {
      return Promise.reject(new CommsError('E_MODEL_UNAVAILABLE', `The instance pool for ${this.module} is closed.`));
    }
    if (signal?.aborted) return Promise.reject(new CommsError('E_CANCELED', 'The request was canceled before it started.'));
    const hasIdle = this.pickIdle() !== undefined;
    const canOpen = this.slots.size + this.creating + this.replacing < this.maxSize;
    const waiting = Math.max(0, this.queue.length - this.creating);
    if (!hasIdle && !canOpen && waiting >= this.maxQueue) {
      this.emit('saturated', { depth: this.queue.length });
      return Promise.reject(
        new CommsError('E_POOL_SATURATED', `The instance pool for ${this.module} is full (${this.maxSize} busy, ${waiting} queued).`, {
          maxSize: this.maxSize,
          maxQueue: this.maxQueue,
          queued: waiting,
        }),
      );
    }
    return new Promise<InstanceReply>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.queue.indexOf(job);
        if (i >= 0) {
          this.queue.splice(i, 1);
          reject(new CommsError('E_CANCELED', 'The request was canceled while queued.'));
        }
      };
      const job: Job = {
        exec,
        resolve,
        reject,
        detach: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(job);
      this.emit('queued', { depth: this.queue.length });
      this.pump();
    });
  }

  /** The idle instance that has served the fewest requests (then the one idle longest). */
  private pickIdle(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots.values()) {
      if (slot.busy || slot.checking || slot.instance.state !== 'idle' || slot.instance.isClosed) continue;
      if (!best || slot.served < best.served || (slot.served === best.served && slot.lastUsed < best.lastUsed)) best = slot;
    }
    return best;
  }

  private pump(): void {
    if (this.closed) return;
    for (;;) {
      const job = this.queue[0];
      if (!job) break;
      const slot = this.pickIdle();
      if (!slot) break;
      this.queue.shift();
      this.dispatch(slot, job);
    }
    while (this.queue.length > this.creating && this.slots.size + this.creating + this.replacing < this.maxSize) {
      this.creating++;
      void this.openSlot().then(
        () => undefined,
        (err: unknown) => {
          // Opening failed: the request that asked for it fails, so nothing waits forever.
          const job = this.queue.shift();
          job?.detach();
          job?.reject(toCommsError(err, 'E_MODEL_UNAVAILABLE'));
        },
      ).finally(() => {
        this.creating--;
        this.pump();
      });
    }
  }

  /** Opens an instance (a stored one when resumeStored) and adds it as an idle slot. */
  private async openSlot(): Promise<Slot> {
    let id: string | undefined;
    if (this.resumeStored) {
      const stored = await this.store.listInstances(this.module);
      id = stored.find((r) => r.status === 'idle' && !this.slots.has(r.id) && !this.opening.has(r.id))?.id;
    }
    if (id) this.opening.add(id);
    try {
      const instance = await BackgroundInstance.open(this.card, { ...this.instanceOptions, ...(id ? { id } : {}) });
      if (this.closed) {
        await instance.close();
        throw new CommsError('E_CANCELED', `The instance pool for ${this.module} was closed.`);
      }
      const slot: Slot = { instance, busy: false, checking: false, served: 0, lastUsed: Date.now(), idleTimer: undefined };
      this.slots.set(instance.id, slot);
      this.scheduleReap(slot);
      this.emit('created', { instanceId: instance.id, resumed: id !== undefined });
      return slot;
    } finally {
      if (id) this.opening.delete(id);
    }
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.busy = true;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    job.detach();
    this.emit('dispatched', { instanceId: slot.instance.id, queued: this.queue.length });
    // The slot is released before the caller hears back, so its next request can reuse it.
    job.exec(slot.instance).then(
      (reply) => {
        this.release(slot);
        job.resolve(reply);
      },
      (err: unknown) => {
        this.release(slot);
        job.reject(err);
      },
    );
  }

  private release(slot: Slot): void {
    slot.busy = false;
    slot.served++;
    slot.lastUsed = Date.now();
    if (this.slots.get(slot.instance.id) !== slot) return;
    const state = slot.instance.state;
    if (state === 'failed') {
      void this.replace(slot);
      return;
    }
    if (state === 'terminated' || slot.instance.isClosed) {
      this.slots.delete(slot.instance.id);
      this.pump();
      return;
    }
    if (state === 'idle') {
      this.emit('idle', { instanceId: slot.instance.id });
      this.scheduleReap(slot);
    }
    this.pump();
  }

  private scheduleReap(slot: Slot): void {
    if (this.idleMs <= 0 || this.closed) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => void this.reap(slot), this.idleMs);
    slot.idleTimer.unref();
  }

  private async reap(slot: Slot): Promise<void> {
    slot.idleTimer = undefined;
    if (this.closed || slot.busy || this.slots.get(slot.instance.id) !== slot) return;
    if (this.slots.size <= this.minSize) return;
    this.slots.delete(slot.instance.id);
    await closeQuietly(slot.instance);
    this.emit('reaped', { instanceId: slot.instance.id });
  }

  private async replace(slot: Slot): Promise<void> {
    const from = slot.instance.id;
    this.slots.delete(from);
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    this.emit('unhealthy', { instanceId: from });
    await closeQuietly(slot.instance);
    if (this.closed) return;
    this.replacing++;
    try {
      const fresh = await this.openSlot();
      this.emit('replaced', { from, to: fresh.instance.id });
    } catch {
      // The next request opens an instance again (and reports the failure).
    } finally {
      this.replacing--;
      this.pump();
    }
  }
}

/** Closes an instance the pool is dropping; a failing close must not become an unhandled rejection (reap and replace run from timers). */
async function closeQuietly(instance: BackgroundInstance): Promise<void> {
  try {
    await instance.close();
  } catch {
    // The instance is gone from the pool either way.
  }
}
