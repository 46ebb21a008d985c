export { createOrchestrator } from './orchestrator.ts';
export type { Orchestrator, OrchestratorOptions, OrchestratorEvents, SequencedWorkflowEvent, WorkflowMeta } from './orchestrator-api.ts';
export { WORKFLOW_TEMPLATES, type WorkflowTemplate, type TemplateParam } from './templates.ts';
export { instantiateTemplate, findTemplate } from './template-instance.ts';
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
