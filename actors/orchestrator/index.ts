export { createOrchestrator } from './orchestrator.ts';
export type { Orchestrator, OrchestratorOptions, OrchestratorEvents, SequencedWorkflowEvent } from './orchestrator-api.ts';
export { validateWorkflow, resolveInput } from './definition.ts';
export {
  WorkflowDefinition,
  WorkflowStep,
  WorkflowExecute,
  WorkflowResult,
  WorkflowStateSnapshot,
  WorkflowEvent,
  WorkflowControl,
  WORKFLOW_SCHEMAS,
  type ValidWorkflow,
} from '../../protocol/index.ts';
