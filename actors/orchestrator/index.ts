export { createOrchestrator, type Orchestrator, type OrchestratorOptions, type OrchestratorEvents } from './orchestrator.ts';
export { validateWorkflow, resolveInput } from './definition.ts';
export { WorkflowStore, type StoredWorkflow } from './workflow-store.ts';
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
