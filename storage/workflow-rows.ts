import type { Database, Statement } from 'better-sqlite3';
import { isFinalWorkflowState, type Envelope, type WorkflowEvent, type WorkflowStateSnapshot } from '../protocol/index.ts';

/**
 * The recorder's mirror of workflows (migration 2): rows from the orchestrator's retained
 * `workflows/{id}/state` and its step events. Snapshots and events carry the workflow's seq: only
 * a newer one moves a row forward.
 */
export class WorkflowRows {
  private readonly upsertWorkflow: Statement;
  private readonly upsertStep: Statement;

  constructor(db: Database) {
    this.upsertWorkflow = db.prepare(`
      INSERT INTO workflows (id, name, state, seq, orchestrator, definition, snapshot, error_code, error_message, started_at, updated_at, ended_at)
      VALUES (@id, @name, @state, @seq, @orchestrator, @definition, @snapshot, @errorCode, @errorMessage, @startedAt, @at, @endedAt)
      ON CONFLICT(id) DO UPDATE SET
        name = excluded.name, state = excluded.state, seq = excluded.seq, orchestrator = excluded.orchestrator,
        definition = excluded.definition, snapshot = excluded.snapshot, error_code = excluded.error_code,
        error_message = excluded.error_message, started_at = COALESCE(started_at, excluded.started_at),
        updated_at = excluded.updated_at, ended_at = COALESCE(ended_at, excluded.ended_at)
      WHERE excluded.seq >= workflows.seq`);
    this.upsertStep = db.prepare(`
      INSERT INTO workflow_steps (workflow_id, step_id, state, seq, module, query, conversation_id, attempts, output, error_code, error_message, updated_at)
      VALUES (@workflowId, @stepId, @state, @seq, @module, @query, @conversationId, @attempts, @output, @errorCode, @errorMessage, @at)
      ON CONFLICT(workflow_id, step_id) DO UPDATE SET
        state = excluded.state, seq = excluded.seq, module = COALESCE(excluded.module, module), query = COALESCE(excluded.query, query),
        conversation_id = COALESCE(excluded.conversation_id, conversation_id), attempts = MAX(attempts, excluded.attempts),
        output = COALESCE(excluded.output, output), error_code = excluded.error_code, error_message = excluded.error_message,
        updated_at = excluded.updated_at
      WHERE excluded.seq >= workflow_steps.seq`);
  }

  applyState(envelope: Envelope<WorkflowStateSnapshot>, at: string): void {
    const body = envelope.body;
    const seq = envelope.seq ?? body.seq;
    this.upsertWorkflow.run({
      id: body.workflowId,
      name: body.name,
      state: body.state,
      seq,
      orchestrator: envelope.from,
      definition: JSON.stringify(body.definition),
      snapshot: JSON.stringify(body),
      errorCode: body.error?.code ?? null,
      errorMessage: body.error?.message ?? null,
      startedAt: body.startedAt ?? null,
      at,
      endedAt: isFinalWorkflowState(body.state) ? at : null,
    });
    const queries = new Map(body.definition.steps.map((s) => [s.id, s.query]));
    for (const [stepId, step] of Object.entries(body.steps)) {
      this.upsertStep.run({
        workflowId: body.workflowId,
        stepId,
        state: step.state,
        seq,
        module: step.module ?? null,
        query: queries.get(stepId) ?? null,
        conversationId: step.conversationId ?? null,
        attempts: step.attempts,
        output: step.output === undefined ? null : JSON.stringify(step.output),
        errorCode: step.error?.code ?? null,
        errorMessage: step.error?.message ?? null,
        at,
      });
    }
  }

  applyEvent(envelope: Envelope<WorkflowEvent>, at: string): void {
    const event = envelope.body;
    if (event.type !== 'step' || !event.stepId || !event.stepState) return;
    this.upsertStep.run({
      workflowId: event.workflowId,
      stepId: event.stepId,
      state: event.stepState,
      seq: envelope.seq as number,
      module: event.module ?? null,
      query: null,
      conversationId: event.conversationId ?? null,
      attempts: event.attempt ?? 0,
      output: null,
      errorCode: event.error?.code ?? null,
      errorMessage: event.error?.message ?? null,
      at,
    });
  }
}
