import { createActor, toPromise, type Actor as XActor } from 'xstate';
import type { Conversation, RequestOptions } from '../runtime/index.ts';
import type { Logger } from '../../logging/index.ts';
import { CommsError, toCommsError, type ValidWorkflow, type WorkflowEvent, type WorkflowResult, type WorkflowStateName, type WorkflowStateSnapshot, type WorkflowStep, type WorkflowStepStatus, type WorkflowChange } from '../../protocol/index.ts';
import { isFinalWorkflowState, WorkflowMachine, workflowStateName, type WorkflowMachineEvent, type WorkflowOutput, type WorkflowSnapshotOf } from '../../state-machines/index.ts';
import { resolveInput } from './definition.ts';
import type { SequencedWorkflowEvent } from './orchestrator-api.ts';
import type { PlannedModification } from './workflow-modification.ts';

/** What a run needs of the orchestrator that owns it, and nothing more. */
export interface WorkflowRunHost {
  readonly log: Logger;
  /** The module offering a capability (may wait for its card). */
  resolveCapability(capability: string): Promise<string>;
  /** Send one step's request. */
  request(module: string, query: string, body: unknown, options: Partial<RequestOptions>): Conversation;
  /** Persist a transition's snapshot, then announce its events (numbered from snapshot.seq - events.length + 1). */
  record(snapshot: WorkflowStateSnapshot, events: SequencedWorkflowEvent[]): void;
}

/**
 * One workflow being run: the WorkflowMachine decides, this class does the effects (requests,
 * cancels) and turns every transition into a snapshot and events for its host to record.
 */
export class WorkflowRun {
  readonly id: string;
  /** Settles with the machine's output; rejects with E_SHUTTING_DOWN when halted first. */
  readonly result: Promise<WorkflowResult>;
  private readonly machine: XActor<typeof WorkflowMachine>;
  private readonly conversations = new Map<string, Conversation>();
  private definition: ValidWorkflow;
  /** A modification waiting to be announced with the transition it causes. */
  private change: WorkflowChange | undefined;
  private snapshot: WorkflowStateSnapshot;
  private lastState: WorkflowStateName;
  private readonly lastSteps = new Map<string, string>();
  private halted = false;

  constructor(
    private readonly host: WorkflowRunHost,
    snapshot: WorkflowStateSnapshot,
  ) {
    this.snapshot = snapshot;
    this.id = snapshot.workflowId;
    this.definition = { ...snapshot.definition, id: snapshot.workflowId };
    this.lastState = snapshot.state;
    for (const [id, step] of Object.entries(snapshot.steps)) this.lastSteps.set(id, stepKey(step));
    this.machine = createActor(WorkflowMachine, {
      input: {
        steps: this.definition.steps.map((s) => ({ id: s.id, dependsOn: s.dependsOn ?? [], retries: s.retries ?? 0 })),
        restored: snapshot.steps,
      },
    });
    this.machine.on('start-step', ({ stepId, attempt }) => void this.startStep(stepId, attempt));
    this.machine.on('cancel-step', ({ stepId, reason }) => this.conversations.get(stepId)?.cancel(reason));
    this.machine.subscribe((machineSnapshot) => this.onSnapshot(machineSnapshot));
    // A machine stopped by halt() completes without output.
    this.result = toPromise(this.machine).then((output) => this.resultOf(output));
    // Nobody may be awaiting a resumed workflow's result; a halt must not become an unhandled rejection.
    this.result.catch(() => {});
  }

  start(paused: boolean): void {
    this.snapshot = { ...this.snapshot, startedAt: this.snapshot.startedAt ?? new Date().toISOString() };
    this.machine.start();
    this.send({ type: paused ? 'START_PAUSED' : 'START' });
  }

  send(event: WorkflowMachineEvent): void {
    if (this.halted) return;
    this.machine.send(event);
  }

  /** Apply a checked modification (workflow-modification.ts) of this paused workflow; its change event leads the transition's events. */
  modify(plan: PlannedModification): void {
    if (this.halted) return;
    this.definition = plan.definition;
    this.snapshot = { ...this.snapshot, definition: plan.definition };
    this.change = plan.change;
    this.machine.send(plan.event);
  }

  /** Stop deciding and recording (the orchestrator is going away); the state database keeps the last transition. */
  halt(): void {
    this.halted = true;
    this.machine.stop();
  }

  private resultOf(output: WorkflowOutput | undefined): WorkflowResult {
    // Whoever awaits executeWorkflow() must not wait forever; the stored state lets the next orchestrator finish it.
    if (!output) throw new CommsError('E_SHUTTING_DOWN', `the orchestrator stopped before workflow ${this.id} ended; it continues when an orchestrator starts again on the same state database.`);
    return { workflowId: this.id, name: this.definition.name, ...output };
  }

  private async startStep(stepId: string, attempt: number): Promise<void> {
    await Promise.resolve(); // leave the machine's transition before acting on it
    const index = this.definition.steps.findIndex((s) => s.id === stepId);
    const step = this.definition.steps[index] as WorkflowStep;
    try {
      const module = step.module ?? (await this.host.resolveCapability(step.capability as string));
      if (!this.isCurrent(stepId, attempt)) return;
      const outputs = Object.fromEntries(Object.entries(this.machine.getSnapshot().context.steps).filter(([, s]) => s.state === 'completed').map(([id, s]) => [id, s.output]));
      const body = resolveInput(step.input ?? {}, outputs, `/steps/${index}/input`);
      const conversation = this.host.request(module, step.query, body, { parentId: this.id, ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}) });
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

  private onSnapshot(machineSnapshot: WorkflowSnapshotOf): void {
    if (this.halted) return;
    const state = workflowStateName(machineSnapshot);
    if (state === 'pending') return;
    const { steps, error } = machineSnapshot.context;
    const changes: WorkflowEvent[] = this.change ? [{ type: 'change', workflowId: this.id, state, change: this.change }] : [];
    this.change = undefined;
    const final = isFinalWorkflowState(state);
    const workflowChanged = state !== this.lastState || (this.snapshot.seq === 0 && state === 'running');
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
    const firstSeq = this.snapshot.seq + 1;
    this.snapshot = { ...this.snapshot, state, steps, seq: this.snapshot.seq + changes.length, updatedAt: new Date().toISOString(), ...(error ? { error } : {}) };
    this.host.record(
      this.snapshot,
      changes.map((change, i) => ({ ...change, seq: firstSeq + i })),
    );
    if (final) this.host.log.info({ workflowId: this.id, state }, 'workflow finished');
  }
}

function stepKey(step: WorkflowStepStatus): string {
  return `${step.state}:${step.attempts}:${step.conversationId ?? ''}`;
}
