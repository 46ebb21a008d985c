import { Actor } from '../actors/runtime/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';
import { decodeEnvelope, isFinalWorkflowState, newId, Topics, type ProgressReport, type WorkflowEvent, type WorkflowResult } from '../protocol/index.ts';
import type { Recorder } from '../actors/recorder/index.ts';
import { loadCommsConfig } from '../config/index.ts';
import { waitUntilRecorded, waitUntilRecordedEnd } from './wait-until-recorded-end.ts';
import { withSystem, type WithSystemOptions } from './with-system.ts';

export interface RunTemplateOptions extends WithSystemOptions {
  /** A template of the orchestrator's registry (`comms templates`). */
  template: string;
  params?: Record<string, unknown>;
  /** Workflow id; default `{template}-{ulid}`. */
  workflowId?: string;
  /** The whole workflow.execute@1 conversation. Default 30 min. */
  timeoutMs?: number;
  /** Each step transition (running on module M as conversation C, completed, failed, skipped...). */
  onStep?: (event: WorkflowEvent) => void;
  /** Progress a step's responder reports (marker's pages, arangodb's stages). */
  onProgress?: (report: ProgressReport, stepId: string) => void;
  logger?: Logger;
}

export interface RunTemplateResult {
  url: string;
  workflowId: string;
  /** The workflow.execute@1 conversation (`comms status ID`); steps are its siblings with parentId = workflowId. */
  conversationId: string;
  workflow: WorkflowResult;
  /** The database the run was recorded in, when the system was started for it. */
  dbPath?: string;
}

/**
 * Run a workflow template through the orchestrator, on the system at `url` or on one started for
 * this run (then stopped once the recorder has the workflow's and the conversation's end, so
 * `comms workflow ID` and `comms status ID` show them). Resolves with the workflow's end, whatever
 * its state: check `workflow.state`.
 */
export function runTemplate(options: RunTemplateOptions): Promise<RunTemplateResult> {
  const { template, params, workflowId, timeoutMs, onStep, onProgress, logger, ...systemOptions } = options;
  const id = workflowId ?? `${template}-${newId()}`;
  // A system started here hosts what `comms up` would (comms.config.json, else the built-in advisor), so the compatibility step has its module.
  const config = systemOptions.url === undefined ? (systemOptions.config ?? loadCommsConfig(undefined).config) : undefined;
  return withSystem({ ...systemOptions, ...(config ? { config } : {}), ...(logger ? { logger } : {}) }, async (target) => {
    const log = logger ?? createLogger('workflow');
    const client = new Actor({ name: 'client', clientId: `client-${newId()}`, url: target.url, username: target.username, password: target.password, description: 'workflow requester', logger: log });
    const steps = new Map<string, string>();
    client.subscribe(Topics.workflowEvents(id), (_topic, payload) => {
      const event = decodeEnvelope(payload, { schema: 'workflow.event@1' }).body as WorkflowEvent;
      if (event.type !== 'step' || !event.stepId) return;
      if (event.conversationId) steps.set(event.conversationId, event.stepId);
      onStep?.(event);
    });
    if (onProgress) {
      client.subscribe(Topics.filters.allConversationEvents, (topic, payload) => {
        const envelope = decodeEnvelope(payload, { schema: 'conversation.event@1' });
        const stepId = steps.get(envelope.conversationId);
        const progress = (envelope.body as { progress?: ProgressReport }).progress;
        if (stepId && progress) onProgress(progress, stepId);
      });
    }
    await client.start();
    let conversationId: string | undefined;
    try {
      const conversation = client.request<WorkflowResult>('orchestrator', 'workflow.execute@1', { template, id, ...(params ? { params } : {}) }, { timeoutMs: timeoutMs ?? 1_800_000 });
      conversationId = conversation.id;
      const workflow = await conversation.result;
      await conversation.flushed();
      return { url: target.url, workflowId: id, conversationId, workflow, ...(target.system ? { dbPath: target.system.dbPath } : {}) };
    } finally {
      await client.stop().catch((err: unknown) => log.warn({ err }, 'workflow client did not stop cleanly'));
      // Also after a failure: the failed run is worth finding with `comms workflow`.
      if (target.system) await waitUntilWorkflowRecorded(target.system.recorder, id, conversationId);
    }
  });
}

/** The recorder has the execute conversation's end and the workflow's final state (each bounded). */
async function waitUntilWorkflowRecorded(recorder: Recorder, workflowId: string, conversationId: string | undefined): Promise<void> {
  if (conversationId) await waitUntilRecordedEnd(recorder, conversationId);
  await waitUntilRecorded(recorder, () => isFinalWorkflowState(recorder.queries.getWorkflow(workflowId).state));
}
