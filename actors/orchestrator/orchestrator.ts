import { EventEmitter } from 'node:events';
import { dirname, join } from 'node:path';
import { Actor } from '../runtime/index.ts';
import { createLogger, type Logger } from '../../logging/index.ts';
import { CommsError, eventEnvelope, Topics, WORKFLOW_SCHEMAS, type ValidWorkflow, type WorkflowControl, type WorkflowDefinition, type WorkflowResult, type WorkflowStateSnapshot, type WorkflowStep } from '../../protocol/index.ts';
import { isFinalWorkflowState } from '../../state-machines/index.ts';
import { WorkflowStateStore } from '../../storage/index.ts';
import { CapabilityDirectory } from './capability-directory.ts';
import { validateWorkflow } from './definition.ts';
import { workflowExecuteQuery } from './execute-handler.ts';
import type { Orchestrator, OrchestratorEvents, OrchestratorOptions, SequencedWorkflowEvent, WorkflowMeta } from './orchestrator-api.ts';
import { controlEvent, readControl } from './workflow-control.ts';
import { workflowControlQuery } from './control-handler.ts';
import { planModification } from './workflow-modification.ts';
import { WorkflowRun, type WorkflowRunHost } from './workflow-run.ts';

export function createOrchestrator(options: OrchestratorOptions): Orchestrator {
  return new OrchestratorImpl(options);
}

/** Where the workflow state lives when the options do not say: beside the recorder's database, else memory. */
function defaultStatePath(options: OrchestratorOptions): string {
  if (options.statePath) return options.statePath;
  return options.dbPath && options.dbPath !== ':memory:' ? join(dirname(options.dbPath), 'workflows.db') : ':memory:';
}

/**
 * The orchestrator module: owns the workflow runs, their durable state (a WorkflowStateStore) and
 * their publication; capability discovery, control messages and workflow.execute@1 sit in their own files.
 */
class OrchestratorImpl implements Orchestrator {
  readonly actor: Actor;
  readonly events = new EventEmitter<OrchestratorEvents>();
  private readonly log: Logger;
  private readonly store: WorkflowStateStore;
  private readonly capabilities: CapabilityDirectory;
  private readonly runs = new Map<string, WorkflowRun>();
  /** Publishes are chained so every workflow's events leave in seq order. */
  private outbox: Promise<void> = Promise.resolve();

  constructor(options: OrchestratorOptions) {
    const name = options.name ?? 'orchestrator';
    this.log = options.logger ?? createLogger(name);
    this.store = new WorkflowStateStore(defaultStatePath(options));
    this.capabilities = new CapabilityDirectory({ self: name, waitMs: options.capabilityWaitMs ?? 5_000, log: this.log });
    this.actor = new Actor({
      name,
      url: options.url,
      username: options.username,
      password: options.password,
      description: 'Runs workflows: steps are conversations with dependencies, parallel branches, retries and timeouts.',
      schemas: WORKFLOW_SCHEMAS,
      logger: this.log,
    });
    this.actor.handle(workflowExecuteQuery(this));
    this.actor.handle(workflowControlQuery(this));
    this.actor.subscribe(Topics.filters.allCards, (topic, payload) => this.capabilities.acceptCard(topic, payload));
    this.actor.subscribe(Topics.filters.allWorkflowControls, (topic, payload) => {
      const command = readControl(topic, payload, this.log);
      if (command) this.applyControl(command.workflowId, command.control, command.from);
    });
    this.actor.on('peer-status', (module, state) => this.capabilities.peerStatus(module, state));
  }

  async start(): Promise<void> {
    await this.actor.start();
    for (const snapshot of this.store.unfinished((workflowId, err) => this.log.error({ err, workflowId }, 'stored workflow state is unreadable; skipped'))) {
      this.log.info({ workflowId: snapshot.workflowId, state: snapshot.state }, 'continuing workflow after restart');
      this.newRun(snapshot).start(snapshot.state === 'paused');
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

  /** From now on no run records or publishes: a later orchestrator owns the workflows. */
  private freeze(): void {
    for (const run of this.runs.values()) run.halt();
    this.capabilities.close();
    this.store.close();
  }

  createWorkflow(definition: WorkflowDefinition, meta: WorkflowMeta = {}): ValidWorkflow {
    const valid = validateWorkflow(definition);
    if (this.store.get(valid.id)) throw new CommsError('E_WORKFLOW_INVALID', `/id: a workflow ${valid.id} exists already`, { path: '/id' });
    this.store.save({ workflowId: valid.id, name: valid.name, state: 'pending', seq: 0, definition: valid, steps: {}, updatedAt: new Date().toISOString(), ...meta });
    return valid;
  }

  addWorkflowStep(workflowId: string, step: WorkflowStep): ValidWorkflow {
    const stored = this.stored(workflowId);
    if (stored.state !== 'pending' || this.runs.has(workflowId)) {
      throw new CommsError('E_WORKFLOW_INVALID', `workflow ${workflowId} is ${stored.state}; steps can only be added before it is executed`, { path: '/steps' });
    }
    const valid = validateWorkflow({ ...stored.definition, id: workflowId, steps: [...stored.definition.steps, step] });
    this.store.save({ ...stored, definition: valid, updatedAt: new Date().toISOString() });
    return valid;
  }

  modifyWorkflow(workflowId: string, control: WorkflowControl, by?: string): WorkflowStateSnapshot {
    const run = this.run(workflowId);
    run.modify(planModification(this.stored(workflowId), control, by));
    return this.stored(workflowId);
  }

  executeWorkflow(workflowId: string, options: { paused?: boolean } = {}): Promise<WorkflowResult> {
    const running = this.runs.get(workflowId);
    if (running) return running.result;
    let stored: WorkflowStateSnapshot;
    try {
      stored = this.stored(workflowId);
    } catch (err) {
      return Promise.reject(err);
    }
    if (isFinalWorkflowState(stored.state)) return Promise.resolve(resultOf(stored));
    const run = this.newRun(stored);
    run.start(stored.state === 'paused' || options.paused === true);
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
    return this.store.get(workflowId);
  }

  /** A control topic message: the broker let only the orchestrator, operators and admins publish it. */
  private applyControl(workflowId: string, control: WorkflowControl, by?: string): void {
    const run = this.runs.get(workflowId);
    if (!run) {
      this.log.debug({ workflowId }, 'control message for a workflow not running here');
      return;
    }
    this.log.info({ workflowId, command: control.command, by }, 'workflow control');
    if (control.command !== 'skip' && control.command !== 'add-step') return run.send(controlEvent(control));
    try {
      this.modifyWorkflow(workflowId, control, by);
    } catch (err) {
      this.log.warn({ err, workflowId, command: control.command }, 'workflow modification refused');
    }
  }

  private newRun(snapshot: WorkflowStateSnapshot): WorkflowRun {
    const run = new WorkflowRun(this.runHost(), snapshot);
    this.runs.set(snapshot.workflowId, run);
    return run;
  }

  /** The narrow view a run gets of its owner. */
  private runHost(): WorkflowRunHost {
    return {
      log: this.log,
      resolveCapability: (capability) => this.capabilities.resolve(capability),
      request: (module, query, body, options) => this.actor.request(module, query, body, options),
      record: (snapshot, events) => this.record(snapshot, events),
    };
  }

  /** A run's transition: stored first (so a crash after it resumes from here), then emitted and published. */
  private record(snapshot: WorkflowStateSnapshot, events: SequencedWorkflowEvent[]): void {
    this.store.save(snapshot);
    for (const event of events) this.events.emit('event', event);
    this.events.emit('state', snapshot);
    const from = this.actor.name;
    const conversationId = snapshot.workflowId;
    const eventEnvelopes = events.map(({ seq, ...body }) => eventEnvelope({ from, conversationId, seq, schema: 'workflow.event@1', body }));
    const stateEnvelope = eventEnvelope({ from, conversationId, seq: snapshot.seq, schema: 'workflow.state@1', body: snapshot });
    this.outbox = this.outbox
      .then(async () => {
        for (const envelope of eventEnvelopes) await this.actor.publish(Topics.workflowEvents(conversationId), envelope);
        await this.actor.publish(Topics.workflowState(conversationId), stateEnvelope, { retain: true });
      })
      .catch((err: unknown) => this.log.warn({ err, workflowId: conversationId }, 'workflow event not published'));
  }

  private stored(workflowId: string): WorkflowStateSnapshot {
    const stored = this.store.get(workflowId);
    if (!stored) throw new CommsError('E_NOT_FOUND', `no workflow ${workflowId}; create it with createWorkflow or send its definition`);
    return stored;
  }

  private run(workflowId: string): WorkflowRun {
    const run = this.runs.get(workflowId);
    if (!run) throw new CommsError('E_NOT_FOUND', `workflow ${workflowId} is not running here`);
    return run;
  }
}

function resultOf(snapshot: WorkflowStateSnapshot): WorkflowResult {
  return {
    workflowId: snapshot.workflowId,
    name: snapshot.name,
    state: snapshot.state,
    steps: snapshot.steps,
    ...(snapshot.error ? { error: snapshot.error } : {}),
  };
}
