import { defineQuery } from '../runtime/index.ts';
import { CommsError, WorkflowExecute, WorkflowResult } from '../../protocol/index.ts';
import type { Orchestrator, SequencedWorkflowEvent } from './orchestrator-api.ts';
import { instantiateTemplate } from './template-instance.ts';

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
      const definition = body.template ? instantiateTemplate(body.template, body.params, body.id) : body.definition;
      if (definition) {
        const existing = definition.id ? executor.getWorkflow(definition.id) : undefined;
        // The requester owns the workflow: it may pause, resume, cancel and modify it (workflow.control@1).
        const meta = { owner: ctx.request.from, ...(body.template ? { template: body.template } : {}) };
        id = existing ? existing.workflowId : executor.createWorkflow(definition, meta).id;
      } else if (body.workflowId) id = body.workflowId;
      else throw new CommsError('E_WORKFLOW_INVALID', 'workflow.execute@1 needs a definition, a template or a workflowId', { path: '/' });
      const onEvent = (event: SequencedWorkflowEvent) => {
        if (event.workflowId !== id || event.type !== 'step' || event.stepState !== 'completed') return;
        // Steps may be added or skipped while it runs: count against the current definition.
        const current = executor.getWorkflow(id);
        const total = Math.max(1, current?.definition.steps.length ?? 1);
        const done = Object.values(current?.steps ?? {}).filter((s) => s.state === 'completed' || s.state === 'skipped').length;
        ctx.progress({ percent: Math.round((done / total) * 100), stage: `step ${event.stepId} completed` });
      };
      executor.events.on('event', onEvent);
      const abort = () => executor.cancelWorkflow(id, 'the requester canceled workflow.execute');
      ctx.signal.addEventListener('abort', abort, { once: true });
      try {
        return await executor.executeWorkflow(id, { paused: body.paused === true });
      } finally {
        executor.events.off('event', onEvent);
        ctx.signal.removeEventListener('abort', abort);
      }
    },
  });
}
