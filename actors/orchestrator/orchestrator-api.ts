import type { EventEmitter } from 'node:events';
import type { Actor } from '../runtime/index.ts';
import type { Logger } from '../../logging/index.ts';
import type { ValidWorkflow, WorkflowControl, WorkflowDefinition, WorkflowEvent, WorkflowResult, WorkflowStateSnapshot, WorkflowStep } from '../../protocol/index.ts';

export interface OrchestratorOptions {
  url: string;
  username?: string;
  password?: string;
  /** Module name and MQTT client id. Default 'orchestrator'. */
  name?: string;
  /** SQLite file holding the workflow state. Default: `workflows.db` beside dbPath; neither: memory only (no resume). */
  statePath?: string;
  dbPath?: string;
  /** How long a step waits for a module card offering its capability before failing with E_NOT_FOUND. Default 5 s. */
  capabilityWaitMs?: number;
  logger?: Logger;
}

/** Who asked for a workflow and which template it came from, kept in its state. */
export interface WorkflowMeta {
  owner?: string;
  template?: string;
}

/** A workflow event as published, with the envelope's seq. */
export type SequencedWorkflowEvent = WorkflowEvent & { seq: number };

export interface OrchestratorEvents {
  /** Each event as published on comms/v1/workflows/{id}/events. */
  event: [SequencedWorkflowEvent];
  /** Each snapshot as published (retained) on comms/v1/workflows/{id}/state. */
  state: [WorkflowStateSnapshot];
}

export interface Orchestrator {
  readonly actor: Actor;
  readonly events: EventEmitter<OrchestratorEvents>;
  /** Connect, then continue every workflow that was running or paused when the last orchestrator stopped. */
  start(): Promise<void>;
  /** Disconnect; running workflows stay `running` in the state database and continue on the next start. */
  stop(): Promise<void>;
  /** Drop the connection as a crash would (for tests): nothing more is written or published. */
  kill(): Promise<void>;
  createWorkflow(definition: WorkflowDefinition, meta?: WorkflowMeta): ValidWorkflow;
  addWorkflowStep(workflowId: string, step: WorkflowStep): ValidWorkflow;
  /** Skip a step (with cascade: and its dependents) or add one, while the workflow is paused; recorded as a `change` event. Throws E_WORKFLOW_INVALID. */
  modifyWorkflow(workflowId: string, control: WorkflowControl, by?: string): WorkflowStateSnapshot;
  /** Run (or join the run of) a workflow; resolves when it is completed, failed or canceled. `paused` starts it paused. */
  executeWorkflow(workflowId: string, options?: { paused?: boolean }): Promise<WorkflowResult>;
  pauseWorkflow(workflowId: string): void;
  resumeWorkflow(workflowId: string): void;
  cancelWorkflow(workflowId: string, reason?: string): void;
  /** The workflow's latest snapshot; after stop() or kill() it throws E_STORAGE (the state database is closed). */
  getWorkflow(workflowId: string): WorkflowStateSnapshot | undefined;
}
