import { defineQuery } from '../runtime/index.ts';
import { CommsError, WorkflowControl, WorkflowStateSnapshot } from '../../protocol/index.ts';
import type { Orchestrator } from './orchestrator-api.ts';
import { controlEvent } from './workflow-control.ts';

/** What the workflow.control@1 handler needs of the orchestrator. */
export type WorkflowController = Pick<Orchestrator, 'getWorkflow' | 'modifyWorkflow' | 'pauseWorkflow' | 'resumeWorkflow' | 'cancelWorkflow'>;

/**
 * workflow.control@1 as a request: the workflow's owner (the module that asked workflow.execute@1)
 * pauses, resumes, cancels or modifies it and gets its new state or a clear error back. Operators
 * and admins use the control topic, where the broker checks their role (docs/workflows.md).
 */
export function workflowControlQuery(controller: WorkflowController) {
  return defineQuery({
    schema: 'workflow.control@1',
    description: "Pause, resume, cancel, skip a step of or add a step to one of your workflows (workflowId); answers the workflow's new state.",
    request: WorkflowControl,
    responseSchemaId: 'workflow.state@1',
    response: WorkflowStateSnapshot,
    handle: async (body, ctx) => {
      const workflowId = body.workflowId;
      if (!workflowId) throw new CommsError('E_WORKFLOW_INVALID', 'workflow.control@1 as a request needs the workflowId', { path: '/workflowId' });
      const stored = controller.getWorkflow(workflowId);
      if (!stored) throw new CommsError('E_NOT_FOUND', `no workflow ${workflowId}; list them with comms workflows`);
      const from = ctx.request.from;
      if (stored.owner !== from) {
        throw new CommsError('E_NOT_AUTHORIZED', `workflow ${workflowId} belongs to ${stored.owner ?? 'nobody (it was created in the orchestrator)'}, not ${from}`, {
          hint: `connect as ${stored.owner ?? 'its owner'}, or as operator publish the command on comms/v1/workflows/${workflowId}/control`,
        });
      }
      if (body.command === 'skip' || body.command === 'add-step') return controller.modifyWorkflow(workflowId, body, from);
      const event = controlEvent(body);
      if (event.type === 'PAUSE') controller.pauseWorkflow(workflowId);
      else if (event.type === 'RESUME') controller.resumeWorkflow(workflowId);
      else controller.cancelWorkflow(workflowId, body.reason);
      return controller.getWorkflow(workflowId) ?? stored;
    },
  });
}
