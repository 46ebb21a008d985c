import { CommsError, type ValidWorkflow, type WorkflowChange, type WorkflowControl, type WorkflowStateSnapshot, type WorkflowStep } from '../../protocol/index.ts';
import type { WorkflowMachineEvent } from '../../state-machines/index.ts';
import { validateWorkflow } from './definition.ts';

/** A checked modification: the new definition, what the machine is told, and the change event's body. */
export interface PlannedModification {
  definition: ValidWorkflow;
  event: WorkflowMachineEvent;
  change: WorkflowChange;
}

function invalid(message: string, path: string, hint?: string): CommsError {
  return new CommsError('E_WORKFLOW_INVALID', message, { path, ...(hint ? { hint } : {}) });
}

/**
 * Check a `skip` or `add-step` against the workflow as it stands (docs/workflows.md, Modifying a
 * paused workflow): only a paused workflow changes, only steps not yet started are skipped, and no
 * step may be left waiting for a skipped one. Throws E_WORKFLOW_INVALID naming what was wrong.
 */
export function planModification(snapshot: WorkflowStateSnapshot, control: WorkflowControl, by?: string): PlannedModification {
  if (snapshot.state !== 'paused') {
    throw invalid(`workflow ${snapshot.workflowId} is ${snapshot.state}; only a paused workflow can be modified`, '/state', `pause it first: comms workflow ${snapshot.workflowId} --pause`);
  }
  if (control.command === 'skip') return planSkip(snapshot, control, by);
  if (control.command === 'add-step') return planAdd(snapshot, control.step, by);
  throw invalid(`${control.command} is not a modification`, '/command');
}

function planSkip(snapshot: WorkflowStateSnapshot, control: WorkflowControl, by?: string): PlannedModification {
  const stepId = control.stepId;
  if (!stepId) throw invalid('skip needs the stepId of the step to skip', '/stepId');
  const definition = { ...snapshot.definition, id: snapshot.workflowId };
  if (!definition.steps.some((s) => s.id === stepId)) {
    throw invalid(`workflow ${snapshot.workflowId} has no step ${stepId}; its steps: ${definition.steps.map((s) => s.id).join(', ')}`, '/stepId');
  }
  const skipped = control.cascade ? withDependents(definition.steps, stepId) : [stepId];
  for (const id of skipped) {
    const state = snapshot.steps[id]?.state ?? 'pending';
    if (state !== 'pending') throw invalid(`step ${id} is ${state}; only a step not yet started can be skipped`, '/stepId');
  }
  const waiting = definition.steps.filter((s) => !skipped.includes(s.id) && snapshot.steps[s.id]?.state !== 'skipped' && (s.dependsOn ?? []).some((d) => skipped.includes(d)));
  if (waiting.length > 0) {
    throw invalid(
      `step ${stepId} cannot be skipped alone: ${waiting.map((s) => s.id).join(', ')} depend(s) on it`,
      '/stepId',
      `skip its dependents too with cascade (comms workflow ${snapshot.workflowId} --skip ${stepId} --cascade), or skip them first`,
    );
  }
  return { definition, event: { type: 'SKIP_STEPS', stepIds: skipped }, change: { command: 'skip', stepIds: skipped, ...(by ? { by } : {}) } };
}

function planAdd(snapshot: WorkflowStateSnapshot, step: WorkflowStep | undefined, by?: string): PlannedModification {
  if (!step) throw invalid('add-step needs the step to add (an object as in a definition\'s steps)', '/step');
  const current = snapshot.definition.steps;
  const skippedDependency = (step.dependsOn ?? []).find((d) => snapshot.steps[d]?.state === 'skipped');
  if (skippedDependency) throw invalid(`the new step depends on ${skippedDependency}, which was skipped and will never complete`, '/step/dependsOn');
  // The whole definition is validated again: duplicate ids, unknown dependencies, cycles and input references.
  const definition = validateWorkflow({ ...snapshot.definition, id: snapshot.workflowId, steps: [...current, step] });
  const event: WorkflowMachineEvent = { type: 'ADD_STEP', spec: { id: step.id, dependsOn: step.dependsOn ?? [], retries: step.retries ?? 0 } };
  return { definition, event, change: { command: 'add-step', stepIds: [step.id], ...(by ? { by } : {}) } };
}

/** The step and every step that depends on it, directly or through others. */
function withDependents(steps: WorkflowStep[], stepId: string): string[] {
  const found = [stepId];
  for (let i = 0; i < found.length; i++) {
    for (const s of steps) if ((s.dependsOn ?? []).includes(found[i] as string) && !found.includes(s.id)) found.push(s.id);
  }
  return found;
}
