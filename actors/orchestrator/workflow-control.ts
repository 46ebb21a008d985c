import type { Logger } from '../../logging/index.ts';
import { decodeWorkflowControl, parseTopic, type WorkflowControl } from '../../protocol/index.ts';
import type { WorkflowMachineEvent } from '../../state-machines/index.ts';

/** A command read from comms/v1/workflows/{id}/control. */
export interface ControlCommand {
  workflowId: string;
  control: WorkflowControl;
  /** The envelope's `from` (checked by the broker's policy), when the message was an envelope. */
  from?: string;
}

/** The command in a control message, or undefined (logged) when it is not one. */
export function readControl(topic: string, payload: Buffer, log: Logger): ControlCommand | undefined {
  const workflowId = parseTopic(topic)?.subject;
  if (!workflowId || payload.length === 0) return undefined;
  try {
    const control = decodeWorkflowControl(payload);
    const from = envelopeFrom(payload);
    return { workflowId, control, ...(from ? { from } : {}) };
  } catch (err) {
    log.warn({ err, topic }, 'workflow control message is not { command: pause | resume | cancel | skip | add-step }; ignored');
    return undefined;
  }
}

/** The sender of an enveloped control message (already decoded once, so it is valid JSON). */
function envelopeFrom(payload: Buffer): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const from = typeof value === 'object' && value !== null ? (value as { from?: unknown }).from : undefined;
  return typeof from === 'string' ? from : undefined;
}

/** The WorkflowMachine event a pause, resume or cancel command stands for. */
export function controlEvent(control: WorkflowControl): WorkflowMachineEvent {
  if (control.command === 'pause') return { type: 'PAUSE' };
  if (control.command === 'resume') return { type: 'RESUME' };
  return { type: 'CANCEL', reason: control.reason };
}
