/**
 * A background instance: one persistent conversation with a model, acting as one module. Its
 * history is kept in an InstanceStore, so an instance opened again with the same id continues the
 * same conversation. Requests run one at a time, in order. Structured answers are validated
 * against their schema; an invalid one is sent back with the validation errors (as a user turn)
 * up to `maxValidationRetries` times, then the request fails with E_MODEL_INVALID_OUTPUT.
 */
import { EventEmitter } from 'node:events';
import { createActor, type Actor } from 'xstate';
import { ulid } from 'ulid';
import { CommsError, toCommsError } from '../protocol/index.ts';
import { createBackend, type CreateBackendOptions } from './create-backend.ts';
import { instanceMachine, type InstanceEvent, type InstanceState } from '../state-machines/index.ts';
import type { InstanceRecord, InstanceStore, StoredInstanceStatus } from './instance-store.ts';
import { MemoryInstanceStore } from './memory-instance-store.ts';
import type { BackendKind, ModelBackend, ModelUsage } from './model-backend.ts';
import type { ModuleCardLike } from './module-card.ts';
import { schemaIssues, type SchemaIssue } from './schema-issues.ts';
import { systemPromptFromCard } from './system-prompt.ts';
import { toTypeBoxSchema, type SchemaLike } from './typebox-schema.ts';
import type { StoredTurn, Turn } from './turn.ts';

export interface BackgroundInstanceOptions {
  /** Reopen (or create with) this id. Default: a new lower-case ULID. */
  id?: string;
  /**
   * A backend kind (created and owned by the instance), a factory (called once, owned), or a
   * ready backend (shared: the instance never closes it). Default: 'auto'.
   */
  backend?: BackendKind | 'auto' | ModelBackend | (() => ModelBackend);
  /** Options for a backend created from a kind. The module card is passed in automatically. */
  backendOptions?: CreateBackendOptions;
  /** Default: a MemoryInstanceStore private to this instance. */
  store?: InstanceStore;
  /** Default: systemPromptFromCard(card), or a short generic prompt when only a module name is given. */
  systemPrompt?: string;
  /** How many times an invalid structured answer is sent back for correction. Default 2. */
  maxValidationRetries?: number;
}

export interface SendOptions {
  /** Forces and validates a structured answer (TypeBox schema or plain JSON Schema). */
  schema?: SchemaLike;
  /** The answer's schema id, e.g. `pdf.requirements@1`. */
  schemaId?: string;
  signal?: AbortSignal;
  onText?: (delta: string) => void;
  /** Overrides the instance's maxValidationRetries for this request. */
  maxValidationRetries?: number;
}

export interface InstanceReply {
  instanceId: string;
  /** The final answer text (for structured answers: the JSON text, or the model's accompanying text). */
  text: string;
  /** The validated structured answer, when a schema was given. */
  value?: unknown;
  /** Summed over all attempts. */
  usage: ModelUsage;
  /** Model calls made: 1 plus the number of corrections. */
  attempts: number;
}

export interface InstanceEvents {
  state: [InstanceState];
  turn: [StoredTurn];
}

type InstanceActor = Actor<typeof instanceMachine>;

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
  private lastState: InstanceState;
  private readonly wakers = new Set<() => void>();

  static async open(module: ModuleCardLike | string, opts: BackgroundInstanceOptions = {}): Promise<BackgroundInstance> {
    const card = typeof module === 'string' ? undefined : module;
    const moduleName = typeof module === 'string' ? module : module.name;
    const store = opts.store ?? new MemoryInstanceStore();
    const id = opts.id ?? ulid().toLowerCase();
    const systemPrompt = opts.systemPrompt ?? (card ? systemPromptFromCard(card) : genericPrompt(moduleName));

    const existing = await store.loadInstance(id);
    if (existing && existing.module !== moduleName) {
      throw new CommsError('E_CONFIG_INVALID', `Instance ${id} belongs to module ${existing.module}, not ${moduleName}.`);
    }
    if (existing?.status === 'terminated') {
      throw new CommsError('E_NOT_FOUND', `Instance ${id} was terminated; create a new one.`);
    }

    let backend: ModelBackend;
    let ownsBackend = true;
    const spec = opts.backend ?? 'auto';
    if (typeof spec === 'string') {
      const backendOptions: CreateBackendOptions = { ...opts.backendOptions };
      if (card && !backendOptions.card) backendOptions.card = card;
      if (spec === 'claude-code' && existing?.sessionId && !backendOptions.claudeCode?.sessionId) {
        backendOptions.claudeCode = { ...backendOptions.claudeCode, sessionId: existing.sessionId };
      }
      backend = createBackend(spec, backendOptions);
    } else if (typeof spec === 'function') {
      backend = spec();
    } else {
      backend = spec;
      ownsBackend = false;
    }

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
    return new BackgroundInstance({
      id,
      module: moduleName,
      card,
      backend,
      ownsBackend,
      store,
      record,
      turns,
      maxValidationRetries: opts.maxValidationRetries ?? 2,
      paused: status === 'paused',
    });
  }

  private constructor(init: {
    id: string;
    module: string;
    card: ModuleCardLike | undefined;
    backend: ModelBackend;
    ownsBackend: boolean;
    store: InstanceStore;
    record: InstanceRecord;
    turns: StoredTurn[];
    maxValidationRetries: number;
    paused: boolean;
  }) {
    super();
    this.id = init.id;
    this.module = init.module;
    this.card = init.card;
    this.backend = init.backend;
    this.ownsBackend = init.ownsBackend;
    this.store = init.store;
    this.record = init.record;
    this.turns = init.turns;
    this.maxValidationRetries = init.maxValidationRetries;
    const input = { instanceId: init.id };
    this.actor = init.paused
      ? createActor(instanceMachine, {
          input,
          snapshot: instanceMachine.resolveState({
            value: 'paused',
            context: { instanceId: init.id, requests: 0, failures: 0, pauseRequested: false, lastError: undefined },
          }),
        })
      : createActor(instanceMachine, { input });
    this.lastState = init.paused ? 'paused' : 'idle';
    this.actor.subscribe((snapshot) => {
      const state = snapshot.value as InstanceState;
      if (state !== this.lastState) {
        this.lastState = state;
        this.wake();
        this.emit('state', state);
      }
    });
    this.actor.start();
  }

  get state(): InstanceState {
    return this.actor.getSnapshot().value as InstanceState;
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
    const issues = schemaIssues(toTypeBoxSchema(query.requestSchema), body);
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

  /** Ends the conversation for good: the running request is aborted, queued ones fail, the record says terminated. */
  async terminate(): Promise<void> {
    if (this.state === 'terminated' || this.record.status === 'terminated') return;
    if (this.closed) {
      // Closed (e.g. reaped by a pool): the machine is stopped, so mark the record directly.
      this.record.status = 'terminated';
      this.record.updatedAt = new Date().toISOString();
      await this.store.saveInstance({ ...this.record });
      return;
    }
    this.dispatch({ type: 'TERMINATE' });
    this.current?.abort();
    await this.syncStatus();
    await this.close();
  }

  /** Releases the backend; the stored conversation stays resumable. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.current?.abort();
    this.wake();
    if (this.ownsBackend) await this.backend.close();
    this.actor.stop();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
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

  private async waitUntilRunnable(signal: AbortSignal | undefined): Promise<void> {
    while (this.state === 'paused' && !this.closed) {
      if (signal?.aborted) throw new CommsError('E_CANCELED', 'The request was canceled while the instance was paused.');
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.wakers.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.wakers.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
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
    const schema = opts.schema === undefined ? undefined : toTypeBoxSchema(opts.schema);
    const maxRetries = opts.maxValidationRetries ?? this.maxValidationRetries;
    const usage: ModelUsage = { inputTokens: 0, outputTokens: 0 };
    let error: CommsError | undefined;
    this.dispatch({ type: 'SEND' });
    try {
      const start = this.turns.length;
      await this.append({ role: 'user', content: prompt });
      for (let attempt = 1; ; attempt++) {
        const reply = await this.backend.send({
          system: this.record.systemPrompt,
          messages: conversation(this.turns, start),
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

        const issues: SchemaIssue[] =
          reply.structured === undefined
            ? [{ path: '/', message: 'The answer contains no JSON value' }]
            : schemaIssues(schema, reply.structured);
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

/**
 * The turns sent to the model: the history before this request without the prompts of earlier
 * requests that got no answer (failed or aborted; they stay in the store), then this request's turns.
 */
function conversation(turns: readonly StoredTurn[], start: number): Turn[] {
  const out: Turn[] = [];
  for (let i = 0; i < start; i++) {
    const turn = turns[i] as StoredTurn;
    const next = i + 1 < start ? turns[i + 1] : undefined;
    if (turn.role === 'user' && next?.role !== 'assistant') continue;
    out.push({ role: turn.role, content: turn.content });
  }
  for (let i = start; i < turns.length; i++) {
    const turn = turns[i] as StoredTurn;
    out.push({ role: turn.role, content: turn.content });
  }
  return out;
}

function genericPrompt(module: string): string {
  return `You are the background instance of the module "${module}" on the claude-comms message bus. Answer requests addressed to this module precisely and briefly.`;
}

function correctionPrompt(issues: readonly SchemaIssue[], schemaId: string | undefined): string {
  return [
    `Your answer does not validate against ${schemaId ?? 'the required schema'}. Fix these errors and answer again with the complete corrected value:`,
    ...issues.map((i) => `- ${i.path}: ${i.message}`),
  ].join('\n');
}

function addUsage(total: ModelUsage, add: ModelUsage | undefined): void {
  if (!add) return;
  total.inputTokens += add.inputTokens;
  total.outputTokens += add.outputTokens;
  if (add.cacheCreationInputTokens !== undefined) {
    total.cacheCreationInputTokens = (total.cacheCreationInputTokens ?? 0) + add.cacheCreationInputTokens;
  }
  if (add.cacheReadInputTokens !== undefined) {
    total.cacheReadInputTokens = (total.cacheReadInputTokens ?? 0) + add.cacheReadInputTokens;
  }
}
