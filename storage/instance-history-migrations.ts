/**
 * Schema of instance history (instances.db: background instances and their turns), in order;
 * `PRAGMA user_version` says how many have run. Append, never edit (same convention as
 * MIGRATIONS for comms.db). A file of its own because comms.db has one writer, the recorder, and
 * instances live in the process of the module that runs them.
 */
export const INSTANCE_HISTORY_MIGRATIONS: readonly string[] = [
  // 1: instances and their turns. IF NOT EXISTS: files written before migrations existed
  // (user_version 0, same tables) are adopted as they are.
  `
  CREATE TABLE IF NOT EXISTS instances (
    id            TEXT PRIMARY KEY,
    module        TEXT NOT NULL,
    backend       TEXT NOT NULL,
    system_prompt TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('idle', 'paused', 'failed', 'terminated')),
    session_id    TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS instances_by_module ON instances (module, created_at);
  CREATE TABLE IF NOT EXISTS instance_turns (
    instance_id TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content     TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
  );
  `,
];
