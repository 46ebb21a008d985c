import { createLogger } from '../../logging/index.ts';
import { CommsError, newId, WorkflowStep, type WorkflowControl, type WorkflowStateSnapshot } from '../../protocol/index.ts';
import { Value } from '@sinclair/typebox/value';
import { OnlineModules } from '../online-modules.ts';

export interface ControlFlags {
  pause?: boolean;
  resume?: boolean;
  cancel?: string;
  skip?: string;
  cascade?: boolean;
  addStep?: string;
}

/** The one workflow.control@1 the flags ask for, or undefined when they ask for none; two at once is E_USAGE. */
export function controlFromFlags(workflowId: string, flags: ControlFlags): WorkflowControl | undefined {
  const asked: WorkflowControl[] = [];
  if (flags.pause) asked.push({ command: 'pause', workflowId });
  if (flags.resume) asked.push({ command: 'resume', workflowId });
  if (flags.cancel !== undefined) asked.push({ command: 'cancel', workflowId, ...(flags.cancel ? { reason: flags.cancel } : {}) });
  if (flags.skip !== undefined) asked.push({ command: 'skip', workflowId, stepId: flags.skip, ...(flags.cascade ? { cascade: true } : {}) });
  if (flags.addStep !== undefined) asked.push({ command: 'add-step', workflowId, step: parseStep(flags.addStep) });
  if (flags.cascade && flags.skip === undefined) throw new CommsError('E_USAGE', '--cascade goes with --skip STEP', { hint: `comms workflow ${workflowId} --skip STEP --cascade` });
  if (asked.length > 1) throw new CommsError('E_USAGE', `one change at a time: ${asked.map((c) => c.command).join(' and ')} were both asked`, { hint: 'run the command once per change' });
  return asked[0];
}

function parseStep(text: string): WorkflowStep {
  let step: unknown;
  try {
    step = JSON.parse(text);
  } catch (err) {
    throw new CommsError('E_USAGE', `--add-step is not JSON: ${(err as Error).message}`, { hint: `quote it for the shell, e.g. --add-step '{"id":"again","module":"arangodb","query":"pdf.requirements.query@1","dependsOn":["validate"]}'` });
  }
  if (!Value.Check(WorkflowStep, step)) {
    const first = [...Value.Errors(WorkflowStep, step)][0];
    throw new CommsError('E_WORKFLOW_INVALID', `--add-step is not a workflow step: ${first?.path || '/'} ${first?.message ?? ''}`.trim(), {
      path: `/step${first?.path ?? ''}`,
      hint: 'a step is { id, module or capability, query, input?, dependsOn?, retries?, timeoutMs? } (docs/workflows.md)',
    });
  }
  return step;
}

/** Send the control as a request to the orchestrator (it checks that we own the workflow) and return the new state. */
export async function sendControl(bus: { url: string; username?: string; password?: string }, control: WorkflowControl): Promise<WorkflowStateSnapshot> {
  const { Actor } = await import('../../actors/runtime/index.ts');
  const actor = new Actor({ name: 'client', clientId: `client-${newId()}`, ...bus, logger: createLogger('client', process.env.COMMS_LOG_LEVEL ?? 'warn') });
  const presence = new OnlineModules(actor);
  await actor.start();
  try {
    // Asked at once, as the instance commands do: a broker that reads retained statuses from its
    // store can deliver them after our own echo, and presence then read "no orchestrator" for a
    // running one (seen once in a report run). Presence only explains a request nobody acknowledged.
    return await actor.ask<WorkflowStateSnapshot>('orchestrator', 'workflow.control@1', control, { timeoutMs: 30_000 });
  } catch (err) {
    if (err instanceof CommsError && err.code === 'E_TIMEOUT') await presence.require('orchestrator');
    throw err;
  } finally {
    await actor.stop();
  }
}
