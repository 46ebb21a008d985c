import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { createActor, type Actor as XActor } from 'xstate';
import { Actor, defineQuery, type Conversation } from '../runtime/index.ts';
import { createLogger, type Logger } from '../../logging/index.ts';
import { CommsError, createEnvelope, parseEnvelope, parseTopic, toCommsError, TOPIC_ROOT, Topics, type ModuleCard } from '../../protocol/index.ts';
import {
  FINAL_WORKFLOW_STATES,
  WorkflowMachine,
  workflowStateName,
  type WorkflowSnapshotOf,
  type WorkflowStateName,
  type WorkflowStepStatus,
} from '../../state-machines/index.ts';
import { resolveInput, validateWorkflow } from './definition.ts';
import {
  WORKFLOW_SCHEMAS,
  WorkflowControl,
  WorkflowExecute,
  WorkflowResult,
  type ValidWorkflow,
  type WorkflowDefinition,
  type WorkflowEvent,
  type WorkflowStateSnapshot,
  type WorkflowStep,
} from '../../protocol/index.ts';
import { WorkflowStore, type StoredWorkflow } from './workflow-store.ts';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export interface OrchestratorOptions {
  url: string;
  username?: string;
  password?: string;
  /** Module name and MQTT client id. Default 'orchestrator'. */
  name?: string;
  /** Where the per-workflow state files live. Default: `workflows/` beside dbPath; neither: memory only (no resume). */
  stateDir?: string;
  dbPath?: string;
  /** How long a step waits for a module card offering its capability before failing with E_NOT_FOUND. Default 5 s. */
  capabilityWaitMs?: number;
  logger?: Logger;
}

export interface OrchestratorEvents {
  /** Each event as published on comms/v1/workflows/{id}/events. */
  event: [WorkflowEvent & { seq: number }];
  /** Each snapshot as published (retained) on comms/v1/workflows/{id}/state. */
  state: [WorkflowStateSnapshot];
}

export interface Orchestrator {
  readonly actor: Actor;
  readonly events: EventEmitter<OrchestratorEvents>;
  /** Connect, then continue every workflow that was running or paused when the last orchestrator stopped. */
  start(): Promise<void>;
  /** Disconnect; running workflows stay `running` in the state files and continue on the next start. */
  stop(): Promise<void>;
  /** Drop the connection as a crash would (for tests): nothing more is written or published. */
  kill(): Promise<void>;
  createWorkflow(definition: WorkflowDefinition): ValidWorkflow;
  addWorkflowStep(workflowId: string, step: WorkflowStep): ValidWorkflow;
  /** Run (or join the run of) a workflow; resolves when it is completed, failed or canceled. */
  executeWorkflow(workflowId: string): Promise<WorkflowResult>;
  pauseWorkflow(workflowId: string): void;
  resumeWorkflow(workflowId: string): void;
  cancelWorkflow(workflowId: string, reason?: string): void;
  getWorkflow(workflowId: string): WorkflowStateSnapshot | undefined;
}

const checkControl = TypeCompiler.Compile(WorkflowControl);
const CONTROL_FILTER = `${TOPIC_ROOT}/workflows/+/control`;

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  return new OrchestratorImpl(options);
}

class OrchestratorImpl implements Orchestrator {
  readonly actor: Actor;
  readonly events = new EventEmitter<OrchestratorEvents>();
  readonly log: Logger;
  readonly store: WorkflowStore;
  private readonly runs = new Map<string, WorkflowRun>();
  private readonly cards = new Map<string, ModuleCard>();
  private readonly presence = new Map<string, string>();
  private readonly cardArrived = new EventEmitter();
  /** Steps waiting for a module card (resolveCapability): ended when the orchestrator stops, so no timer or listener outlives it. */
  private readonly capabilityWaits = new Set<() => void>();
  private readonly capabilityWaitMs: number;
  dead = false;

  constructor(private readonly options: OrchestratorOptions) {
    const name = options.name ?? 'orchestrator';
    this.log = options.logger ?? createLogger(name);
    this.capabilityWaitMs = options.capabilityWaitMs ?? 5_000;
    this.store = new WorkflowStore(options.stateDir ?? (options.dbPath && options.dbPath !== ':memory:' ? join(dirname(options.dbPath), 'workflows') : undefined));
    this.cardArrived.setMaxListeners(0);
    this.actor = new Actor({
      name,
      url: options.url,
      username: options.username,
      password: options.password,
      description: 'Runs workflows: steps are conversations with dependencies, parallel branches, retries and timeouts.',
      schemas: WORKFLOW_SCHEMAS,
      logger: this.log,
    });
    this.actor.handle(
      defineQuery({
        schema: 'workflow.execute@1',
        description: 'Run a workflow (a definition, or the id of one created before) and answer with every step\'s state and output when it ends.',
        request: WorkflowExecute,
        responseSchemaId: 'workflow.result@1',
        response: WorkflowResult,
        handle: async (body, ctx) => {
          let id: string;
          if (body.definition) {
            const existing = body.definition.id ? this.store.get(body.definition.id) : undefined;
            id = existing ? existing.definition.id : this.createWorkflow(body.definition).id;
          } else if (body.workflowId) id = body.workflowId;
          else throw new CommsError('E_WORKFLOW_INVALID', 'workflow.execute@1 needs a definition or a workflowId', { path: '/' });
          const total = this.store.get(id)?.definition.steps.length ?? 1;
          const onEvent = (event: WorkflowEvent) => {
            if (event.workflowId !== id || event.type !== 'step' || event.stepState !== 'completed') return;
            const done = Object.values(this.store.get(id)?.steps ?? {}).filter((s) => s.state === 'completed').length;
            ctx.progress({ percent: Math.round((done / total) * 100), stage: `step ${event.stepId} completed` });
          };
          this.events.on('event', onEvent);
          const abort = () => this.cancelWorkflow(id, 'the requester canceled workflow.execute');
          ctx.signal.addEventListener('abort', abort, { once: true });
          try {
            return await this.executeWorkflow(id);
          } finally {
            this.events.off('event', onEvent);
            ctx.signal.removeEventListener('abort', abort);
          }
        },
      }),
    );
    this.actor.subscribe(Topics.filters.allCards, (topic, payload) => this.acceptCard(topic, payload));
    this.actor.subscribe(CONTROL_FILTER, (topic, payload) => this.acceptControl(topic, payload));
    this.actor.on('peer-status', (module, state) => {
      this.presence.set(module, state);
      this.cardArrived.emit('change');
    });
  }

  async start(): Promise<void> {
    await this.actor.start();
    for (const record of this.store.loadAll((file, err) => this.log.error({ err, file }, 'workflow state file is unreadable; skipped'))) {
      if (record.state !== 'running' && record.state !== 'paused') continue;
      this.log.info({ workflowId: record.definition.id, state: record.state }, 'continuing workflow after restart');
      const run = this.newRun(record);
      run.start(record.state === 'paused');
    }
  }

  async stop(): Promise<void> {
    this.freeze();
    await this.actor.stop();
  }

  async kill(): Promise<void> {
    this.freeze();
    await this.actor.kill();
  }

  /** From now on no run writes its state file or publishes: a later orchestrator owns the workflows. */
  private freeze(): void {
    this.dead = true;
    for (const run of this.runs.values()) run.halt();
    for (const end of [...this.capabilityWaits]) end();
  }

  createWorkflow(definition: WorkflowDefinition): ValidWorkflow {
    const valid = validateWorkflow(definition);
    if (this.store.get(valid.id)) throw new CommsError('E_WORKFLOW_INVALID', `/id: a workflow ${valid.id} exists already`, { path: '/id' });
    this.store.save({ definition: valid, state: 'pending', steps: {}, seq: 0, updatedAt: new Date().toISOString() });
    return valid;
  }

  addWorkflowStep(workflowId: string, step: WorkflowStep): ValidWorkflow {
    const record = this.record(workflowId);
    if (record.state !== 'pending' || this.runs.has(workflowId)) {
      throw new CommsError('E_WORKFLOW_INVALID', `workflow ${workflowId} is ${record.state}; steps can only be added before it is executed`, { path: '/steps' });
    }
    const valid = validateWorkflow({ ...record.definition, steps: [...record.definition.steps, step] });
    this.store.save({ ...record, definition: valid, updatedAt: new Date().toISOString() });
    return valid;
  }

  executeWorkflow(workflowId: string): Promise<WorkflowResult> {
    const running = this.runs.get(workflowId);
    if (running) return running.result;
    let record: StoredWorkflow;
    try {
      record = this.record(workflowId);
    } catch (err) {
      return Promise.reject(err);
    }
    if (FINAL_WORKFLOW_STATES.includes(record.state)) return Promise.resolve(resultOf(record));
    const run = this.newRun(record);
    run.start(record.state === 'paused');
    return run.result;
  }

  pauseWorkflow(workflowId: string): void {
    this.run(workflowId).send({ type: 'PAUSE' });
  }

  resumeWorkflow(workflowId: string): void {
    this.run(workflowId).send({ type: 'RESUME' });
  }

  cancelWorkflow(workflowId: string, reason?: string): void {
    this.run(workflowId).send({ type: 'CANCEL', reason });
  }

  getWorkflow(workflowId: string): WorkflowStateSnapshot | undefined {
    const record = this.store.get(workflowId);
    return record ? snapshotOf(record) : undefined;
  }

  /** The module for a capability (a query schema id): one whose retained card lists it, preferring modules online. */
  resolveCapability(capability: string): Promise<string> {
    const pick = (): string | undefined => {
      const offering = [...this.cards.values()]
        .filter((card) => card.name !== this.actor.name && card.queries.some((q) => q.schema === capability))
        .filter((card) => !['offline', 'lost'].includes(this.presence.get(card.name) ?? 'online'))
        .map((card) => card.name)
        .sort();
      return offering[0];
    };
    const now = pick();
    if (now) return Promise.resolve(now);
    if (this.dead) return Promise.reject(new CommsError('E_CANCELED', 'the orchestrator is stopping'));
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = pick();
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new CommsError('E_NOT_FOUND', `no module online offers ${capability}; start one whose card lists it, or name the module in the step`, { capability }));
      }, this.capabilityWaitMs);
      const done = () => {
        clearTimeout(timer);
        this.cardArrived.off('change', check);
        this.capabilityWaits.delete(end);
      };
      const end = () => {
        done();
        reject(new CommsError('E_CANCELED', 'the orchestrator is stopping'));
      };
      this.capabilityWaits.add(end);
      this.cardArrived.on('change', check);
    });
  }

  private newRun(record: StoredWorkflow): WorkflowRun {
    const run = new WorkflowRun(this, record);
    this.runs.set(record.definition.id, run);
    return run;
  }

  private record(workflowId: string): StoredWorkflow {
    const record = this.store.get(workflowId);
    if (!record) throw new CommsError('E_NOT_FOUND', `no workflow ${workflowId}; create it with createWorkflow or send its definition`);
    return record;
  }

  private run(workflowId: string): WorkflowRun {
    const run = this.runs.get(workflowId);
    if (!run) throw new CommsError('E_NOT_FOUND', `workflow ${workflowId} is not running here`);
    return run;
  }

  private acceptCard(topic: string, payload: Buffer): void {
    const module = parseTopic(topic)?.subject;
    if (!module) return;
    if (payload.length === 0) {
      this.cards.delete(module);
      return;
    }
    try {
      this.cards.set(module, parseEnvelope(payload).body as ModuleCard);
      this.cardArrived.emit('change');
    } catch (err) {
      this.log.warn({ err, topic }, 'unreadable module card');
    }
  }

  private acceptControl(topic: string, payload: Buffer): void {
    const workflowId = parseTopic(topic)?.subject;
    if (!workflowId || payload.length === 0) return;
    let body: unknown;
    try {
      body = parseEnvelope(payload).body;
    } catch {
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    if (!checkControl.Check(body)) {
      this.log.warn({ topic }, 'workflow control message is not { command: pause | resume | cancel }; ignored');
      return;
    }
    const run = this.runs.get(workflowId);
    if (!run) {
      this.log.debug({ workflowId }, 'control message for a workflow not running here');
      return;
    }
    const control = body as WorkflowControl;
    this.log.info({ workflowId, command: control.command }, 'workflow control');
    if (control.command === 'pause') run.send({ type: 'PAUSE' });
    else if (control.command === 'resume') run.send({ type: 'RESUME' });
    else run.send({ type: 'CANCEL', reason: control.reason });
  }
}

/**
 * One workflow being run: the WorkflowMachine decides, this class does the effects (requests,
 * cancels), writes the state file and publishes events and the retained snapshot on every transition.
 */
class WorkflowRun {
  readonly id: string;
  readonly result: Promise<WorkflowResult>;
  private readonly machine: XActor<typeof WorkflowMachine>;
  private readonly conversations = new Map<string, Conversation>();
  private readonly definition: ValidWorkflow;
  private record: StoredWorkflow;
  private lastState: WorkflowStateName;
  private readonly lastSteps = new Map<string, string>();
  private halted = false;
  private resolveResult!: (result: WorkflowResult) => void;
  private rejectResult!: (error: CommsError) => void;
  private outbox: Promise<void> = Promise.resolve();

  constructor(
    private readonly orchestrator: OrchestratorImpl,
    record: StoredWorkflow,
  ) {
    this.record = record;
    this.definition = record.definition;
    this.id = record.definition.id;
    this.lastState = record.state;
    for (const [id, step] of Object.entries(record.steps)) this.lastSteps.set(id, stepKey(step));
    this.result = new Promise((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // Nobody may be awaiting a resumed workflow's result; a halt must not become an unhandled rejection.
    this.result.catch(() => {});
    this.machine = createActor(WorkflowMachine, {
      input: {
        steps: record.definition.steps.map((s) => ({ id: s.id, dependsOn: s.dependsOn ?? [], retries: s.retries ?? 0 })),
        restored: record.steps,
      },
    });
    this.machine.on('start-step', ({ stepId, attempt }) => void this.startStep(stepId, attempt));
    this.machine.on('cancel-step', ({ stepId, reason }) => this.conversations.get(stepId)?.cancel(reason));
    this.machine.subscribe((snapshot) => this.onSnapshot(snapshot));
  }

  start(paused: boolean): void {
    this.record = { ...this.record, startedAt: this.record.startedAt ?? new Date().toISOString() };
    this.machine.start();
    this.send({ type: paused ? 'START_PAUSED' : 'START' });
  }

  send(event: Parameters<XActor<typeof WorkflowMachine>['send']>[0]): void {
    if (this.halted) return;
    this.machine.send(event);
  }

  /** Stop deciding and writing (the orchestrator is going away); the state file keeps the last transition. */
  halt(): void {
    this.halted = true;
    this.machine.stop();
    // Whoever awaits executeWorkflow() must not wait forever; the state file lets the next orchestrator finish it.
    this.rejectResult(new CommsError('E_SHUTTING_DOWN', `the orchestrator stopped before workflow ${this.id} ended; it continues when an orchestrator starts again on the same state directory.`));
  }

  private async startStep(stepId: string, attempt: number): Promise<void> {
    await Promise.resolve(); // leave the machine's transition before acting on it
    const index = this.definition.steps.findIndex((s) => s.id === stepId);
    const step = this.definition.steps[index] as WorkflowStep;
    try {
      const module = step.module ?? (await this.orchestrator.resolveCapability(step.capability as string));
      if (!this.isCurrent(stepId, attempt)) return;
      const outputs = Object.fromEntries(Object.entries(this.machine.getSnapshot().context.steps).filter(([, s]) => s.state === 'completed').map(([id, s]) => [id, s.output]));
      const body = resolveInput(step.input ?? {}, outputs, `/steps/${index}/input`);
      const conversation = this.orchestrator.actor.request(module, step.query, body, { parentId: this.id, ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}) });
      this.conversations.set(stepId, conversation);
      this.send({ type: 'STEP_STARTED', stepId, attempt, module, conversationId: conversation.id });
      conversation.result.then(
        (output) => this.send({ type: 'STEP_COMPLETED', stepId, attempt, output }),
        (err: unknown) => this.send({ type: 'STEP_FAILED', stepId, attempt, error: toCommsError(err).toBody() }),
      );
    } catch (err) {
      this.send({ type: 'STEP_FAILED', stepId, attempt, error: toCommsError(err).toBody() });
    }
  }

  private isCurrent(stepId: string, attempt: number): boolean {
    if (this.halted) return false;
    const step = this.machine.getSnapshot().context.steps[stepId];
    return step?.state === 'running' && step.attempts === attempt;
  }

  private onSnapshot(snapshot: WorkflowSnapshotOf): void {
    if (this.halted) return;
    const state = workflowStateName(snapshot);
    if (state === 'pending') return;
    const { steps, error } = snapshot.context;
    const changes: WorkflowEvent[] = [];
    const final = FINAL_WORKFLOW_STATES.includes(state);
    const workflowChanged = state !== this.lastState || (this.record.seq === 0 && state === 'running');
    const workflowEvent: WorkflowEvent = { type: 'workflow', workflowId: this.id, state, ...(error ? { error } : {}) };
    if (workflowChanged && !final) changes.push(workflowEvent);
    for (const [stepId, step] of Object.entries(steps)) {
      const key = stepKey(step);
      if (this.lastSteps.get(stepId) === key) continue;
      this.lastSteps.set(stepId, key);
      changes.push({
        type: 'step',
        workflowId: this.id,
        state,
        stepId,
        stepState: step.state,
        attempt: step.attempts,
        ...(step.module ? { module: step.module } : {}),
        ...(step.conversationId ? { conversationId: step.conversationId } : {}),
        ...(step.error && step.state !== 'completed' ? { error: step.error } : {}),
      });
    }
    if (workflowChanged && final) changes.push(workflowEvent);
    this.lastState = state;
    if (changes.length === 0) return;
    const firstSeq = this.record.seq + 1;
    this.record = { ...this.record, state, steps, seq: this.record.seq + changes.length, updatedAt: new Date().toISOString(), ...(error ? { error } : {}) };
    this.orchestrator.store.save(this.record);
    const snapshotBody = snapshotOf(this.record);
    changes.forEach((change, i) => this.orchestrator.events.emit('event', { ...change, seq: firstSeq + i }));
    this.orchestrator.events.emit('state', snapshotBody);
    this.publish(changes, firstSeq, snapshotBody);
    if (final) {
      this.orchestrator.log.info({ workflowId: this.id, state }, 'workflow finished');
      this.resolveResult(resultOf(this.record));
    }
  }

  private publish(changes: WorkflowEvent[], firstSeq: number, snapshot: WorkflowStateSnapshot): void {
    const actor = this.orchestrator.actor;
    const envelope = (schema: string, body: unknown, seq: number) =>
      createEnvelope({ kind: 'event', from: actor.name, to: '*', conversationId: this.id, seq, schema, body });
    const events = changes.map((change, i) => envelope('workflow.event@1', change, firstSeq + i));
    const state = envelope('workflow.state@1', snapshot, snapshot.seq);
    this.outbox = this.outbox
      .then(async () => {
        for (const event of events) await actor.publish(Topics.workflowEvents(this.id), event);
        await actor.publish(Topics.workflowState(this.id), state, { retain: true });
      })
      .catch((err: unknown) => this.orchestrator.log.warn({ err, workflowId: this.id }, 'workflow event not published'));
  }
}

function stepKey(step: WorkflowStepStatus): string {
  return `${step.state}:${step.attempts}:${step.conversationId ?? ''}`;
}

function snapshotOf(record: StoredWorkflow): WorkflowStateSnapshot {
  return {
    workflowId: record.definition.id,
    name: record.definition.name,
    state: record.state,
    seq: record.seq,
    definition: record.definition,
    steps: record.steps,
    ...(record.error ? { error: record.error } : {}),
    ...(record.startedAt ? { startedAt: record.startedAt } : {}),
    updatedAt: record.updatedAt,
  };
}

function resultOf(record: StoredWorkflow): WorkflowResult {
  return {
    workflowId: record.definition.id,
    name: record.definition.name,
    state: record.state,
    steps: record.steps,
    ...(record.error ? { error: record.error } : {}),
  };
}
