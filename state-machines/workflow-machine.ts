import { assign, enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { isFinalWorkflowState, type ErrorReply, type FinalWorkflowState, type WorkflowStateName, type WorkflowStepStatus } from '../protocol/index.ts';

export { isFinalWorkflowState };

/** What the machine needs to know of a step: its dependencies and how often it may be retried. */
export interface WorkflowStepSpec {
  id: string;
  dependsOn: string[];
  retries: number;
}

export interface WorkflowMachineInput {
  steps: WorkflowStepSpec[];
  /** Step statuses restored from the orchestrator's state database; missing steps start pending. */
  restored?: Record<string, WorkflowStepStatus>;
}

export interface WorkflowContext {
  specs: WorkflowStepSpec[];
  steps: Record<string, WorkflowStepStatus>;
  error?: ErrorReply;
}

/** The machine's `output` once it reaches a final state: how it ended and every step's status. */
export interface WorkflowOutput {
  state: FinalWorkflowState;
  steps: Record<string, WorkflowStepStatus>;
  error?: ErrorReply;
}

export type WorkflowMachineEvent =
  | { type: 'START' }
  | { type: 'START_PAUSED' }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'CANCEL'; reason?: string }
  | { type: 'ADD_STEP'; spec: WorkflowStepSpec }
  | { type: 'SKIP_STEPS'; stepIds: string[] }
  | { type: 'STEP_STARTED'; stepId: string; attempt: number; module: string; conversationId: string }
  | { type: 'STEP_COMPLETED'; stepId: string; attempt: number; output: unknown }
  | { type: 'STEP_FAILED'; stepId: string; attempt: number; error: ErrorReply };

/** Side effects the machine asks for; the orchestrator's WorkflowRun does the requesting and canceling. */
export type WorkflowEffect = { type: 'start-step'; stepId: string; attempt: number } | { type: 'cancel-step'; stepId: string; reason: string };

type StepEvent = Extract<WorkflowMachineEvent, { stepId: string }>;

function stepEvent(event: WorkflowMachineEvent): StepEvent | undefined {
  return 'stepId' in event ? event : undefined;
}

/** The event is about the attempt that is running now (late answers of canceled or superseded attempts are ignored). */
function isCurrent(context: WorkflowContext, event: WorkflowMachineEvent): boolean {
  const e = stepEvent(event);
  const step = e ? context.steps[e.stepId] : undefined;
  return !!e && step?.state === 'running' && step.attempts === e.attempt;
}

function withStep(context: WorkflowContext, stepId: string, patch: Partial<WorkflowStepStatus>): Record<string, WorkflowStepStatus> {
  return { ...context.steps, [stepId]: { ...(context.steps[stepId] as WorkflowStepStatus), ...patch } };
}

/**
 * A workflow's lifecycle (docs/workflows.md): pending -> running <-> paused -> completed | failed | canceled.
 * Every step whose dependencies completed starts at once (parallel branches); a failed step is
 * retried up to its `retries`, then fails the workflow and the running siblings are canceled.
 * Paused means no new step starts; running ones finish and are recorded. Like the conversation
 * machine it is pure: starting and canceling steps are emitted effects.
 */
export const WorkflowMachine = setup({
  types: {
    input: {} as WorkflowMachineInput,
    context: {} as WorkflowContext,
    events: {} as WorkflowMachineEvent,
    emitted: {} as WorkflowEffect,
    output: {} as WorkflowOutput,
  },
  guards: {
    isCurrent: ({ context, event }) => isCurrent(context, event),
    canRetry: ({ context, event }) => {
      if (!isCurrent(context, event)) return false;
      const e = stepEvent(event) as StepEvent;
      const spec = context.specs.find((s) => s.id === e.stepId);
      return (context.steps[e.stepId]?.attempts ?? 0) <= (spec?.retries ?? 0);
    },
    // A skipped step counts as done; modifications (actors/orchestrator) never leave a dependent of one pending.
    allCompleted: ({ context }) => Object.values(context.steps).every((s) => s.state === 'completed' || s.state === 'skipped'),
  },
  actions: {
    schedule: enqueueActions(({ context, enqueue }) => {
      const ready = context.specs.filter((s) => context.steps[s.id]?.state === 'pending' && s.dependsOn.every((d) => context.steps[d]?.state === 'completed'));
      if (ready.length === 0) return;
      const steps = { ...context.steps };
      for (const spec of ready) {
        const current = steps[spec.id] as WorkflowStepStatus;
        steps[spec.id] = { state: 'running', attempts: current.attempts + 1, ...(current.error ? { error: current.error } : {}) };
      }
      enqueue.assign({ steps });
      for (const spec of ready) enqueue.emit({ type: 'start-step', stepId: spec.id, attempt: (steps[spec.id] as WorkflowStepStatus).attempts });
    }),
    /** Modifications of a paused workflow, validated by the orchestrator before they are sent. */
    addStep: assign(({ context, event }) => {
      if (event.type !== 'ADD_STEP') return {};
      return { specs: [...context.specs, event.spec], steps: { ...context.steps, [event.spec.id]: { state: 'pending' as const, attempts: 0 } } };
    }),
    skipSteps: assign({
      steps: ({ context, event }) => {
        if (event.type !== 'SKIP_STEPS') return context.steps;
        const steps = { ...context.steps };
        for (const id of event.stepIds) if (steps[id]?.state === 'pending') steps[id] = { ...(steps[id] as WorkflowStepStatus), state: 'skipped' };
        return steps;
      },
    }),
    recordStarted: assign({
      steps: ({ context, event }) => (event.type === 'STEP_STARTED' ? withStep(context, event.stepId, { module: event.module, conversationId: event.conversationId }) : context.steps),
    }),
    recordOutput: assign({
      steps: ({ context, event }) => {
        if (event.type !== 'STEP_COMPLETED') return context.steps;
        const { error: _previous, ...rest } = context.steps[event.stepId] as WorkflowStepStatus;
        return { ...context.steps, [event.stepId]: { ...rest, state: 'completed' as const, output: event.output } };
      },
    }),
    /** A retry while running starts the next attempt right away; while paused it waits as pending. */
    retryNow: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'STEP_FAILED') return;
      const attempt = (context.steps[event.stepId]?.attempts ?? 0) + 1;
      enqueue.assign({ steps: withStep(context, event.stepId, { state: 'running', attempts: attempt, error: event.error }) });
      enqueue.emit({ type: 'start-step', stepId: event.stepId, attempt });
    }),
    retryLater: assign({
      steps: ({ context, event }) => (event.type === 'STEP_FAILED' ? withStep(context, event.stepId, { state: 'pending', error: event.error }) : context.steps),
    }),
    recordFailure: assign(({ context, event }) => {
      if (event.type !== 'STEP_FAILED') return {};
      return {
        steps: withStep(context, event.stepId, { state: 'failed', error: event.error }),
        error: { code: event.error.code, message: `step ${event.stepId} failed: ${event.error.message}`, details: { stepId: event.stepId } },
      };
    }),
    recordCancel: assign({
      error: ({ event }) => ({ code: 'E_CANCELED' as const, message: event.type === 'CANCEL' && event.reason ? `canceled: ${event.reason}` : 'workflow canceled' }),
    }),
    /** Every running step's conversation is canceled; steps that never started are marked canceled too. */
    cancelOpenSteps: enqueueActions(({ context, enqueue, event }) => {
      const reason = event.type === 'CANCEL' ? (event.reason ?? 'workflow canceled') : event.type === 'STEP_FAILED' ? `sibling step ${event.stepId} failed` : 'workflow ended';
      const steps = { ...context.steps };
      for (const [id, step] of Object.entries(context.steps)) {
        if (step.state === 'running') enqueue.emit({ type: 'cancel-step', stepId: id, reason });
        if (step.state === 'running' || step.state === 'pending') steps[id] = { ...step, state: 'canceled' };
      }
      enqueue.assign({ steps });
    }),
  },
}).createMachine({
  id: 'workflow',
  context: ({ input }) => ({
    specs: input.steps,
    steps: Object.fromEntries(
      input.steps.map((s) => {
        const restored = input.restored?.[s.id];
        // A step that was running when the orchestrator stopped is requested again (see docs/workflows.md).
        if (!restored) return [s.id, { state: 'pending' as const, attempts: 0 }];
        return [s.id, restored.state === 'running' ? { ...restored, state: 'pending' as const, attempts: Math.max(0, restored.attempts - 1) } : restored];
      }),
    ),
  }),
  initial: 'pending',
  states: {
    pending: {
      on: {
        START: 'running',
        START_PAUSED: 'paused',
        CANCEL: { target: 'canceled', actions: ['recordCancel', 'cancelOpenSteps'] },
      },
    },
    running: {
      entry: 'schedule',
      always: { guard: 'allCompleted', target: 'completed' },
      on: {
        PAUSE: 'paused',
        STEP_COMPLETED: { guard: 'isCurrent', actions: ['recordOutput', 'schedule'] },
        STEP_FAILED: [
          { guard: 'canRetry', actions: 'retryNow' },
          { guard: 'isCurrent', target: 'failed', actions: ['recordFailure', 'cancelOpenSteps'] },
        ],
      },
    },
    paused: {
      on: {
        RESUME: 'running',
        ADD_STEP: { actions: 'addStep' },
        SKIP_STEPS: { actions: 'skipSteps' },
        STEP_COMPLETED: { guard: 'isCurrent', actions: 'recordOutput' },
        STEP_FAILED: [
          { guard: 'canRetry', actions: 'retryLater' },
          { guard: 'isCurrent', target: 'failed', actions: ['recordFailure', 'cancelOpenSteps'] },
        ],
      },
    },
    completed: { type: 'final', output: { state: 'completed' } },
    failed: { type: 'final', output: { state: 'failed' } },
    canceled: { type: 'final', output: { state: 'canceled' } },
  },
  // The final state names how it ended (its own `output`); the context adds the steps and the error.
  output: ({ context, event }) => ({
    state: (event.output as { state: FinalWorkflowState }).state,
    steps: context.steps,
    ...(context.error ? { error: context.error } : {}),
  }),
  on: {
    STEP_STARTED: { guard: 'isCurrent', actions: 'recordStarted' },
    CANCEL: { target: '.canceled', actions: ['recordCancel', 'cancelOpenSteps'] },
  },
});

export type WorkflowSnapshotOf = SnapshotFrom<typeof WorkflowMachine>;

export function workflowStateName(snapshot: WorkflowSnapshotOf): WorkflowStateName {
  return snapshot.value as WorkflowStateName;
}
