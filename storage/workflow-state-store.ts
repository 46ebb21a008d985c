import type { Database, Statement } from 'better-sqlite3';
import { CommsError, type WorkflowStateSnapshot } from '../protocol/index.ts';
import { openWriter } from './database.ts';
import { WORKFLOW_STATE_MIGRATIONS } from './workflow-state-migrations.ts';

interface WorkflowStateRow {
  id: string;
  snapshot: string;
}

/**
 * The orchestrator's durable workflow state: the latest workflow.state@1 snapshot of every
 * workflow, replaced in one transaction on each transition, so a restarted orchestrator continues
 * the workflows that were running or paused. Path ':memory:' keeps them for the process only.
 */
export class WorkflowStateStore {
  private readonly db: Database;
  private readonly upsert: Statement<[string, string, number, string, string]>;
  private readonly byId: Statement<[string], WorkflowStateRow>;
  private readonly unfinishedRows: Statement<[], WorkflowStateRow>;

  constructor(readonly path = ':memory:') {
    this.db = openWriter(path, WORKFLOW_STATE_MIGRATIONS);
    this.upsert = this.db.prepare(
      `INSERT INTO workflow_state (id, state, seq, snapshot, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET state = excluded.state, seq = excluded.seq, snapshot = excluded.snapshot, updated_at = excluded.updated_at`,
    );
    this.byId = this.db.prepare('SELECT id, snapshot FROM workflow_state WHERE id = ?');
    this.unfinishedRows = this.db.prepare(`SELECT id, snapshot FROM workflow_state WHERE state IN ('running', 'paused') ORDER BY updated_at, id`);
  }

  save(snapshot: WorkflowStateSnapshot): void {
    this.ensureOpen();
    this.upsert.run(snapshot.workflowId, snapshot.state, snapshot.seq, JSON.stringify(snapshot), snapshot.updatedAt);
  }

  get(workflowId: string): WorkflowStateSnapshot | undefined {
    this.ensureOpen();
    const row = this.byId.get(workflowId);
    return row ? (JSON.parse(row.snapshot) as WorkflowStateSnapshot) : undefined;
  }

  /** Workflows that were running or paused; a row that does not parse is reported and skipped. */
  unfinished(onError: (workflowId: string, err: unknown) => void = () => {}): WorkflowStateSnapshot[] {
    this.ensureOpen();
    const snapshots: WorkflowStateSnapshot[] = [];
    for (const row of this.unfinishedRows.all()) {
      try {
        snapshots.push(JSON.parse(row.snapshot) as WorkflowStateSnapshot);
      } catch (err) {
        onError(row.id, err);
      }
    }
    return snapshots;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private ensureOpen(): void {
    if (!this.db.open) throw new CommsError('E_STORAGE', `the workflow state store ${this.path} is closed; open a new WorkflowStateStore (or start a new orchestrator) on it`);
  }
}
