import { defineQuery } from '../runtime/index.ts';
import { CommsError, WorkflowExecute, WorkflowResult } from '../../protocol/index.ts';
import type { Orchestrator, SequencedWorkflowEvent } from './orchestrator-api.ts';

/** What the workflow.execute@1 handler needs of the orchestrator. */
export type WorkflowExecutor = Pick<Orchestrator, 'events' | 'createWorkflow' | 'executeWorkflow' | 'cancelWorkflow' | 'getWorkflow'>;

/**
 * workflow.execute@1: run a workflow sent with the request (or created before) and answer when it
 * ends; progress reports count completed steps, and canceling the request cancels the workflow.
 */
export function workflowExecuteQuery(executor: WorkflowExecutor) {
  return defineQuery({
    schema: 'workflow.execute@1',
    description: 'Run a workflow (a definition, or the id of one created before) and answer with every step\'s state and output when it ends.',
    request: WorkflowExecute,
    responseSchemaId: 'workflow.result@1',
    response: WorkflowResult,
    handle: async (body, ctx) => {
      let id: string;
      if (body.definition) {
        const existing = body.definition.id ? executor.getWorkflow(body.definition.id) : undefined;
        id = existing ? existing.workflowId : executor.createWorkflow(body.definition).id;
      } else if (body.workflowId) id = body.workflowId;
      else throw new CommsError('E_WORKFLOW_INVALID', 'workflow.execute@1 needs a definition or a workflowId', { path: '/' });
      const total = executor.getWorkflow(id)?.definition.steps.length ?? 1;
      const onEvent = (event: SequencedWorkflowEvent) => {
        if (event.workflowId !== id || event.type !== 'step' || event.stepState !== 'completed') return;
        const done = Object.values(executor.getWorkflow(id)?.steps ?? {}).filter((s) => s.state === 'completed').length;
        ctx.progress({ percent: Math.round((done / total) * 100), stage: `step ${event.stepId} completed` });
      };
      executor.events.on('event', onEvent);
      const abort = () => executor.cancelWorkflow(id, 'the requester canceled workflow.execute');
      ctx.signal.addEventListener('abort', abort, { once: true });
      try {
        return await executor.executeWorkflow(id);
      } finally {
        executor.events.off('event', onEvent);
        ctx.signal.removeEventListener('abort', abort);
      }
    },
  });
}
