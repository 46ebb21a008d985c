/**
 * Schema of the orchestrator's workflows.db, in order; `PRAGMA user_version` says how many have
 * run. Append, never edit (same convention as MIGRATIONS for comms.db). A file of its own because
 * comms.db has one writer, the recorder, and the orchestrator may run in another process.
 */
export const WORKFLOW_STATE_MIGRATIONS: readonly string[] = [
  // 1: one row per workflow; `snapshot` is its workflow.state@1 body (definition, steps, outputs).
  `
  CREATE TABLE workflow_state (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX workflow_state_state ON workflow_state(state);
  `,
];
