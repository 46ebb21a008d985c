import type { Database } from 'better-sqlite3';

/**
 * Schema changes in order; `PRAGMA user_version` says how many have run. Append, never edit:
 * a database made by an older version is brought forward one step at a time.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: messages, conversations and their events, modules.
  `
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT,
    topic TEXT NOT NULL,
    kind TEXT,
    schema TEXT,
    from_module TEXT,
    to_module TEXT,
    conversation_id TEXT,
    correlation_id TEXT,
    parent_id TEXT,
    conversation_seq INTEGER,
    retained INTEGER NOT NULL DEFAULT 0,
    valid INTEGER NOT NULL,
    error_code TEXT,
    error_message TEXT,
    size INTEGER NOT NULL,
    payload BLOB NOT NULL,
    received_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX messages_once ON messages(message_id, topic) WHERE message_id IS NOT NULL;
  CREATE INDEX messages_conversation ON messages(conversation_id);
  CREATE INDEX messages_received ON messages(received_at);
  CREATE INDEX messages_invalid ON messages(valid) WHERE valid = 0;

  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    requester TEXT,
    responder TEXT,
    query TEXT,
    parent_id TEXT,
    request_id TEXT,
    state TEXT NOT NULL,
    percent REAL NOT NULL DEFAULT 0,
    stage TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    result_message_id TEXT,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    ended_at TEXT
  );
  CREATE INDEX conversations_state ON conversations(state);
  CREATE INDEX conversations_parent ON conversations(parent_id);

  CREATE TABLE conversation_events (
    conversation_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    state TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE modules (
    name TEXT PRIMARY KEY,
    card TEXT,
    status TEXT,
    session_id TEXT,
    client_id TEXT,
    updated_at TEXT NOT NULL
  );
  `,
  // 2: workflows and their steps, mirrored from the orchestrator's retained comms/v1/workflows/{id}/state.
  `
  CREATE TABLE workflows (
    id TEXT PRIMARY KEY,
    name TEXT,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    orchestrator TEXT,
    definition TEXT,
    snapshot TEXT,
    error_code TEXT,
    error_message TEXT,
    started_at TEXT,
    updated_at TEXT NOT NULL,
    ended_at TEXT
  );
  CREATE INDEX workflows_state ON workflows(state);

  CREATE TABLE workflow_steps (
    workflow_id TEXT NOT NULL,
    step_id TEXT NOT NULL,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    module TEXT,
    query TEXT,
    conversation_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    output TEXT,
    error_code TEXT,
    error_message TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (workflow_id, step_id)
  ) WITHOUT ROWID;
  CREATE INDEX workflow_steps_conversation ON workflow_steps(conversation_id);
  `,
];

/**
 * Bring a database up to date with its own append-only list (comms.db: MIGRATIONS; other files
 * storage/ owns pass theirs). Each step runs in a transaction together with its user_version bump.
 */
export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return migrations.length;
}
