import type { Logger } from '../../logging/index.ts';
import { decodeWorkflowControl, parseTopic, type WorkflowControl } from '../../protocol/index.ts';
import type { WorkflowMachineEvent } from '../../state-machines/index.ts';

/** A command read from comms/v1/workflows/{id}/control. */
export interface ControlCommand {
  workflowId: string;
  control: WorkflowControl;
}

/** The command in a control message, or undefined (logged) when it is not one. */
export function readControl(topic: string, payload: Buffer, log: Logger): ControlCommand | undefined {
  const workflowId = parseTopic(topic)?.subject;
  if (!workflowId || payload.length === 0) return undefined;
  try {
    return { workflowId, control: decodeWorkflowControl(payload) };
  } catch (err) {
    log.warn({ err, topic }, 'workflow control message is not { command: pause | resume | cancel }; ignored');
    return undefined;
  }
}

/** The WorkflowMachine event a control command stands for. */
export function controlEvent(control: WorkflowControl): WorkflowMachineEvent {
  if (control.command === 'pause') return { type: 'PAUSE' };
  if (control.command === 'resume') return { type: 'RESUME' };
  return { type: 'CANCEL', reason: control.reason };
}
