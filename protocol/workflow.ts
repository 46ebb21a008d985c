import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ErrorReply } from './errors.ts';
import { IDENTIFIER_PATTERN } from './identifiers.ts';
import { literalUnion } from './literal-union.ts';
import { SCHEMA_ID_PATTERN } from './schema-id.ts';

const Identifier = Type.String({ pattern: IDENTIFIER_PATTERN });
const SchemaId = Type.String({ pattern: SCHEMA_ID_PATTERN });

/** One step: a conversation with a module (named, or found by capability on the module cards). */
export const WorkflowStep = Type.Object(
  {
    id: Identifier,
    module: Type.Optional(Identifier),
    capability: Type.Optional(SchemaId),
    query: SchemaId,
    input: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    dependsOn: Type.Optional(Type.Array(Identifier)),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type WorkflowStep = Static<typeof WorkflowStep>;

export const WorkflowDefinition = Type.Object(
  {
    id: Type.Optional(Identifier),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    steps: Type.Array(WorkflowStep),
  },
  { $id: 'workflow.define@1', additionalProperties: false },
);
export type WorkflowDefinition = Static<typeof WorkflowDefinition>;
/** A definition after validation: it has an id. */
export type ValidWorkflow = WorkflowDefinition & { id: string };

export const WorkflowStateName = literalUnion(['pending', 'running', 'paused', 'completed', 'failed', 'canceled']);
export type WorkflowStateName = Static<typeof WorkflowStateName>;

/** States a workflow does not leave. */
export const FINAL_WORKFLOW_STATES = ['completed', 'failed', 'canceled'] as const satisfies readonly WorkflowStateName[];
export type FinalWorkflowState = (typeof FINAL_WORKFLOW_STATES)[number];

export function isFinalWorkflowState(state: string): state is FinalWorkflowState {
  return (FINAL_WORKFLOW_STATES as readonly string[]).includes(state);
}
/** `skipped`: taken out of a paused workflow by a modification; counts as done, its output is absent. */
export const WorkflowStepStateName = literalUnion(['pending', 'running', 'completed', 'failed', 'canceled', 'skipped']);
export type WorkflowStepStateName = Static<typeof WorkflowStepStateName>;

/** Where one step stands. `attempts` counts starts; a step that was running when the orchestrator died restarts as pending. */
export const WorkflowStepStatus = Type.Object({
  state: WorkflowStepStateName,
  attempts: Type.Integer({ minimum: 0 }),
  module: Type.Optional(Type.String()),
  conversationId: Type.Optional(Type.String()),
  output: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorReply),
});
export type WorkflowStepStatus = Static<typeof WorkflowStepStatus>;

/** A modification of a paused workflow, as recorded in its `change` event. */
export const WorkflowChange = Type.Object({
  command: literalUnion(['skip', 'add-step']),
  stepIds: Type.Array(Type.String(), { description: 'the steps skipped (the one named and, with cascade, its dependents) or the step added' }),
  by: Type.Optional(Type.String({ description: 'who asked for it (the envelope from), when known' })),
});
export type WorkflowChange = Static<typeof WorkflowChange>;

/**
 * Body of workflow.execute@1: a definition to run now, a template (comms templates) with its
 * params, or the id of one made with createWorkflow. `id` names a workflow made from a template.
 */
export const WorkflowExecute = Type.Object(
  {
    definition: Type.Optional(WorkflowDefinition),
    workflowId: Type.Optional(Identifier),
    template: Type.Optional(Identifier),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    id: Type.Optional(Identifier),
    /** Start paused (to modify it first); resume with a control message. */
    paused: Type.Optional(Type.Boolean()),
  },
  { $id: 'workflow.execute@1', additionalProperties: false },
);
export type WorkflowExecute = Static<typeof WorkflowExecute>;

/** Reply to workflow.execute@1, sent when the workflow reached a final state (completed, failed or canceled). */
export const WorkflowResult = Type.Object(
  {
    workflowId: Type.String(),
    name: Type.String(),
    state: WorkflowStateName,
    steps: Type.Record(Type.String(), WorkflowStepStatus),
    error: Type.Optional(ErrorReply),
  },
  { $id: 'workflow.result@1' },
);
export type WorkflowResult = Static<typeof WorkflowResult>;

/** Retained on comms/v1/workflows/{id}/state. */
export const WorkflowStateSnapshot = Type.Object(
  {
    workflowId: Type.String(),
    name: Type.String(),
    state: WorkflowStateName,
    seq: Type.Integer({ minimum: 0 }),
    definition: WorkflowDefinition,
    steps: Type.Record(Type.String(), WorkflowStepStatus),
    error: Type.Optional(ErrorReply),
    startedAt: Type.Optional(Type.String()),
    updatedAt: Type.String(),
    owner: Type.Optional(Type.String({ description: 'module that asked for the run (workflow.execute@1); it may modify the workflow' })),
    template: Type.Optional(Type.String({ description: 'the template the definition was made from (comms templates)' })),
  },
  { $id: 'workflow.state@1' },
);
export type WorkflowStateSnapshot = Static<typeof WorkflowStateSnapshot>;

/** On comms/v1/workflows/{id}/events: one per workflow or step transition, with the envelope's seq. */
export const WorkflowEvent = Type.Object(
  {
    type: literalUnion(['workflow', 'step', 'change']),
    workflowId: Type.String(),
    state: WorkflowStateName,
    stepId: Type.Optional(Type.String()),
    stepState: Type.Optional(WorkflowStepStateName),
    attempt: Type.Optional(Type.Integer({ minimum: 0 })),
    module: Type.Optional(Type.String()),
    conversationId: Type.Optional(Type.String()),
    error: Type.Optional(ErrorReply),
    change: Type.Optional(WorkflowChange),
  },
  { $id: 'workflow.event@1' },
);
export type WorkflowEvent = Static<typeof WorkflowEvent>;

/**
 * Published to comms/v1/workflows/{id}/control (as an envelope body, or as a bare JSON object), or
 * sent as a request to the orchestrator (then `workflowId` names the workflow and the reply is its
 * workflow.state@1). `skip` and `add-step` change a paused workflow (docs/workflows.md, Modifying).
 */
export const WorkflowControl = Type.Object(
  {
    command: literalUnion(['pause', 'resume', 'cancel', 'skip', 'add-step']),
    reason: Type.Optional(Type.String({ maxLength: 2000 })),
    workflowId: Type.Optional(Identifier),
    stepId: Type.Optional(Identifier),
    /** With `skip`: also skip every step that depends on it (else such a step is an error). */
    cascade: Type.Optional(Type.Boolean()),
    step: Type.Optional(WorkflowStep),
  },
  { $id: 'workflow.control@1' },
);
export type WorkflowControl = Static<typeof WorkflowControl>;

export const WORKFLOW_SCHEMAS: Record<string, TSchema> = {
  'workflow.define@1': WorkflowDefinition,
  'workflow.execute@1': WorkflowExecute,
  'workflow.result@1': WorkflowResult,
  'workflow.state@1': WorkflowStateSnapshot,
  'workflow.event@1': WorkflowEvent,
  'workflow.control@1': WorkflowControl,
};
