/**
 * A background instance: one persistent conversation with a model, acting as one module. Its
 * history is kept in an InstanceStore, so an instance opened again with the same id continues the
 * same conversation. Requests run one at a time, in order. Structured answers are validated
 * against their schema; an invalid one is sent back with the validation errors (as a user turn)
 * up to `maxValidationRetries` times, then the request fails with E_MODEL_INVALID_OUTPUT.
 */
import { EventEmitter } from 'node:events';
import { createActor, waitFor, type Actor } from 'xstate';
import { ulid } from 'ulid';
import { CommsError, toCommsError } from '../protocol/index.ts';
import { InstanceMachine, type InstanceEvent, type InstanceMachineOutput, type InstanceState } from '../state-machines/index.ts';
import { addUsage, answerIssues, correctionPrompt, turnsForModel } from './answer-attempts.ts';
import { instanceBackend } from './instance-backend.ts';
import type { BackgroundInstanceOptions, InstanceEvents, InstanceReply, SendOptions } from './instance-options.ts';
import type { InstanceRecord, InstanceStore, StoredInstanceStatus } from './instance-store.ts';
import { MemoryInstanceStore } from './memory-instance-store.ts';
import type { ModelBackend, ModelUsage } from './model-backend.ts';
import type { ModuleCardLike } from './module-card.ts';
import { schemaIssues } from './schema-issues.ts';
import { genericSystemPrompt, systemPromptFromCard } from './system-prompt.ts';
import type { StoredTurn, Turn } from './turn.ts';

type InstanceActor = Actor<typeof InstanceMachine>;

/** Creates a new instance, or reopens a stored one with the same id (with its history). */
export async function createBackgroundInstance(
  module: ModuleCardLike | string,
  opts: BackgroundInstanceOptions = {},
): Promise<BackgroundInstance> {
  return BackgroundInstance.open(module, opts);
}

export class BackgroundInstance extends EventEmitter<InstanceEvents> {
  readonly id: string;
  readonly module: string;
  readonly card: ModuleCardLike | undefined;
  readonly backend: ModelBackend;
  private readonly ownsBackend: boolean;
  private readonly store: InstanceStore;
  private readonly record: InstanceRecord;
  private readonly turns: StoredTurn[];
  private readonly maxValidationRetries: number;
  private readonly actor: InstanceActor;
  private queue: Promise<unknown> = Promise.resolve();
  private current: AbortController | undefined;
  private closed = false;

  static async open(module: ModuleCardLike | string, opts: BackgroundInstanceOptions = {}): Promise<BackgroundInstance> {
    const card = typeof module === 'string' ? undefined : module;
    const moduleName = typeof module === 'string' ? module : module.name;
    const store = opts.store ?? new MemoryInstanceStore();
    const id = opts.id ?? ulid().toLowerCase();
    const systemPrompt = opts.systemPrompt ?? (card ? systemPromptFromCard(card) : genericSystemPrompt(moduleName));

    const existing = await store.loadInstance(id);
    if (existing && existing.module !== moduleName) {
      throw new CommsError('E_CONFIG_INVALID', `Instance ${id} belongs to module ${existing.module}, not ${moduleName}.`);
    }
    if (existing?.status === 'terminated') {
      throw new CommsError('E_NOT_FOUND', `Instance ${id} was terminated; create a new one.`);
    }

    const { backend, owned: ownsBackend } = instanceBackend(opts.backend ?? 'auto', opts.backendOptions, card, existing);

    const now = new Date().toISOString();
    // A stored 'failed' instance gets a fresh backend, so it reopens idle; 'paused' stays paused.
    const status: StoredInstanceStatus = existing?.status === 'paused' ? 'paused' : 'idle';
    const record: InstanceRecord = {
      id,
      module: moduleName,
      backend: backend.kind,
      systemPrompt,
      status,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    const sessionId = existing?.sessionId;
    if (sessionId !== undefined && backend.kind === existing?.backend) record.sessionId = sessionId;
    let turns: StoredTurn[];
    try {
      await store.saveInstance(record);
      turns = existing ? await store.loadTurns(id) : [];
    } catch (err) {
      // The backend (a claude-code process, say) is released when the instance cannot be opened.
      if (ownsBackend) await backend.close();
      throw err;
    }
    return new BackgroundInstance({ card, backend, ownsBackend, store, record, turns, maxValidationRetries: opts.maxValidationRetries ?? 2 });
  }

  private constructor(init: {
    card: ModuleCardLike | undefined;
    backend: ModelBackend;
    ownsBackend: boolean;
    store: InstanceStore;
    record: InstanceRecord;
    turns: StoredTurn[];
    maxValidationRetries: number;
  }) {
    super();
    this.id = init.record.id;
    this.module = init.record.module;
    this.card = init.card;
    this.backend = init.backend;
    this.ownsBackend = init.ownsBackend;
    this.store = init.store;
    this.record = init.record;
    this.turns = init.turns;
    this.maxValidationRetries = init.maxValidationRetries;
    const input = { instanceId: this.id };
    // A reopened paused instance starts paused: resolveState builds that snapshot without events.
    const snapshot =
      init.record.status === 'paused'
        ? InstanceMachine.resolveState({
            value: 'paused',
            context: { instanceId: this.id, requests: 0, failures: 0, pauseRequested: false, lastError: undefined },
          })
        : undefined;
    this.actor = createActor(InstanceMachine, snapshot ? { input, snapshot } : { input });
    let previous: InstanceState = this.actor.getSnapshot().value;
    this.actor.subscribe((next) => {
      if (next.value === previous) return;
      previous = next.value;
      this.emit('state', next.value);
    });
    this.actor.start();
  }

  get state(): InstanceState {
    return this.actor.getSnapshot().value;
  }

  /** Requests started and failed since this object was opened, and the last error. */
  get stats(): { requests: number; failures: number; lastError: string | undefined } {
    const { requests, failures, lastError } = this.actor.getSnapshot().context;
    return { requests, failures, lastError };
  }

  get systemPrompt(): string {
    return this.record.systemPrompt;
  }

  get sessionId(): string | undefined {
    return this.record.sessionId;
  }

  /** The conversation so far (copies). */
  get history(): StoredTurn[] {
    return this.turns.map((t) => ({ ...t }));
  }

  /** Sends a prompt; requests are answered one at a time in the order sent. Waits while paused. */
  send(prompt: string, opts: SendOptions = {}): Promise<InstanceReply> {
    const run = this.queue.then(() => this.run(prompt, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Answers a request of one of the card's query types: checks the body against the request
   * schema, then asks for a structured answer validated against the response schema.
   */
  answer(querySchema: string, body: unknown, opts: Omit<SendOptions, 'schema' | 'schemaId'> = {}): Promise<InstanceReply> {
    const query = this.card?.queries.find((q) => q.schema === querySchema);
    if (!query) {
      return Promise.reject(
        new CommsError('E_UNKNOWN_QUERY', `Module ${this.module} has no query type ${querySchema}.`, {
          known: this.card?.queries.map((q) => q.schema) ?? [],
        }),
      );
    }
    const issues = schemaIssues(query.requestSchema, body);
    if (issues.length > 0) {
      return Promise.reject(new CommsError('E_SCHEMA_INVALID', `The ${querySchema} body does not match its schema.`, { issues }));
    }
    const prompt = [
      `Request ${querySchema}:`,
      '```json',
      JSON.stringify(body, null, 2),
      '```',
      `Answer with a ${query.responseSchemaId} body.`,
    ].join('\n');
    return this.send(prompt, { ...opts, schema: query.responseSchema, schemaId: query.responseSchemaId });
  }

  /** Asks the backend whether it can work; a failing check moves the instance to `failed`. */
  async health(): Promise<boolean> {
    if (this.closed) return false;
    const state = this.state;
    if (state === 'terminated' || state === 'failed') return false;
    const ok = await this.backend.health();
    if (!ok) {
      this.dispatch({ type: 'HEALTH_FAILED', reason: `${this.backend.kind} backend failed its health check` });
      await this.syncStatus();
    }
    return ok;
  }

  /** Stops taking requests after the one running (if any); queued requests wait until resume(). */
  async pause(): Promise<void> {
    this.dispatch({ type: 'PAUSE' });
    await this.syncStatus();
  }

  async resume(): Promise<void> {
    this.dispatch({ type: 'RESUME' });
    await this.syncStatus();
  }

  /**
   * Ends the conversation for good: the running request is aborted, queued ones fail, the record
   * says terminated. Returns the machine's output (requests and failures over this object's life),
   * or undefined when the instance was already terminated or closed.
   */
  async terminate(): Promise<InstanceMachineOutput | undefined> {
    if (this.state === 'terminated' || this.record.status === 'terminated') return undefined;
    if (this.closed) {
      // Closed (e.g. reaped by a pool): the machine is stopped, so mark the record directly.
      this.record.status = 'terminated';
      this.record.updatedAt = new Date().toISOString();
      await this.store.saveInstance({ ...this.record });
      return undefined;
    }
    this.dispatch({ type: 'TERMINATE' });
    this.current?.abort();
    await this.syncStatus();
    // TERMINATE reaches the final state at once, so the machine's output is there to read.
    const output = this.actor.getSnapshot().output;
    await this.close();
    return output;
  }

  /** Releases the backend; the stored conversation stays resumable. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.current?.abort();
    // Stopping the machine also ends any waitFor() of a request queued while paused.
    this.actor.stop();
    if (this.ownsBackend) await this.backend.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private dispatch(event: InstanceEvent): void {
    if (this.actor.getSnapshot().status === 'active') this.actor.send(event);
  }

  private async syncStatus(): Promise<void> {
    const state = this.state;
    const durable: StoredInstanceStatus = state === 'busy' ? 'idle' : state;
    if (durable === this.record.status) return;
    this.record.status = durable;
    this.record.updatedAt = new Date().toISOString();
    await this.store.saveInstance({ ...this.record });
  }

  /** Holds a request while the instance is paused; returns when it is not (or closed). */
  private async waitUntilRunnable(signal: AbortSignal | undefined): Promise<void> {
    if (this.closed || this.state !== 'paused') return;
    try {
      await waitFor(this.actor, (snapshot) => snapshot.value !== 'paused', signal ? { signal } : {});
    } catch (err) {
      if (signal?.aborted) throw new CommsError('E_CANCELED', 'The request was canceled while the instance was paused.');
      // The machine was stopped (close): unavailable() says so next.
      if (!this.closed) throw err;
    }
  }

  private unavailable(): CommsError | undefined {
    if (this.closed || this.state === 'terminated') {
      return new CommsError('E_NOT_FOUND', `Instance ${this.id} is ${this.state === 'terminated' ? 'terminated' : 'closed'}.`);
    }
    if (this.state === 'failed') {
      return new CommsError('E_MODEL_UNAVAILABLE', `Instance ${this.id} failed: ${this.stats.lastError ?? 'health check failed'}.`);
    }
    return undefined;
  }

  private async append(turn: Turn): Promise<void> {
    const stored = await this.store.appendTurn(this.id, turn);
    this.turns.push(stored);
    this.emit('turn', stored);
  }

  private async run(prompt: string, opts: SendOptions): Promise<InstanceReply> {
    await this.waitUntilRunnable(opts.signal);
    const blocked = this.unavailable();
    if (blocked) throw blocked;
    if (opts.signal?.aborted) throw new CommsError('E_CANCELED', 'The request was canceled before it started.');

    const controller = new AbortController();
    this.current = controller;
    const signal = opts.signal ? AbortSignal.any([opts.signal, controller.signal]) : controller.signal;
    const schema = opts.schema;
    const maxRetries = opts.maxValidationRetries ?? this.maxValidationRetries;
    const usage: ModelUsage = { inputTokens: 0, outputTokens: 0 };
    let error: CommsError | undefined;
    this.dispatch({ type: 'SEND' });
    try {
      const start = this.turns.length;
      await this.append({ role: 'user', content: prompt });
      for (let attempt = 1; ; attempt++) {
        const reply = await this.backend.send({
          system: opts.context ? `${this.record.systemPrompt}\n\n${opts.context}` : this.record.systemPrompt,
          messages: turnsForModel(this.turns, start),
          signal,
          ...(schema ? { schema } : {}),
          ...(opts.schemaId ? { schemaId: opts.schemaId } : {}),
          ...(opts.onText ? { onText: opts.onText } : {}),
          ...(this.record.sessionId ? { sessionId: this.record.sessionId } : {}),
        });
        addUsage(usage, reply.usage);
        if (reply.sessionId !== undefined && reply.sessionId !== this.record.sessionId) {
          this.record.sessionId = reply.sessionId;
          this.record.updatedAt = new Date().toISOString();
          await this.store.saveInstance({ ...this.record });
        }
        const answerText = schema && reply.structured !== undefined ? JSON.stringify(reply.structured) : reply.text;
        await this.append({ role: 'assistant', content: answerText });
        if (!schema) return { instanceId: this.id, text: reply.text, usage, attempts: attempt };

        const issues = answerIssues(schema, reply);
        if (issues.length === 0) {
          return { instanceId: this.id, text: answerText, value: reply.structured, usage, attempts: attempt };
        }
        if (attempt > maxRetries) {
          throw new CommsError(
            'E_MODEL_INVALID_OUTPUT',
            `The model answer did not match ${opts.schemaId ?? 'the required schema'} after ${attempt} attempts.`,
            { schemaId: opts.schemaId ?? null, attempts: attempt, issues, answer: answerText.slice(0, 4000) },
          );
        }
        await this.append({ role: 'user', content: correctionPrompt(issues, opts.schemaId) });
      }
    } catch (err) {
      error = toCommsError(err, 'E_MODEL_UNAVAILABLE');
      if (controller.signal.aborted && !opts.signal?.aborted && error.code === 'E_CANCELED') {
        error = new CommsError('E_NOT_FOUND', `Instance ${this.id} was ${this.state === 'terminated' ? 'terminated' : 'closed'} while answering.`);
      }
      throw error;
    } finally {
      this.current = undefined;
      this.dispatch(error ? { type: 'DONE', ok: false, error: `${error.code}: ${error.message}` } : { type: 'DONE', ok: true });
      await this.syncStatus().catch(() => undefined);
    }
  }
}
