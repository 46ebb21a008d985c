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
  // 3: the compact log (docs/storage.md, Tables): topic names and conversation ids interned, payloads
  // token-coded (storage/payload-codec.ts), received_at in ms, event rows pointing at their message
  // instead of copying its body, no received_at index (retention bisects seq), and `messages` kept
  // as a read-only view with the old columns for scripts and the sqlite3 shell.
  `
  CREATE TABLE topics (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE conversation_keys (n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);
  CREATE TABLE message_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    conv INTEGER,
    message_id TEXT,
    topic INTEGER NOT NULL,
    kind TEXT,
    retained INTEGER NOT NULL DEFAULT 0,
    valid INTEGER NOT NULL,
    error_code TEXT,
    error_message TEXT,
    size INTEGER NOT NULL,
    payload BLOB,
    received_at INTEGER NOT NULL
  );
  INSERT OR IGNORE INTO topics (name) SELECT DISTINCT topic FROM messages;
  INSERT OR IGNORE INTO conversation_keys (id) SELECT DISTINCT conversation_id FROM messages WHERE conversation_id IS NOT NULL;
  INSERT INTO message_log (seq, conv, message_id, topic, kind, retained, valid, error_code, error_message, size, payload, received_at)
    SELECT m.seq, k.n, m.message_id, t.id, m.kind, m.retained, m.valid, m.error_code, m.error_message, m.size,
      CASE WHEN substr(m.payload, 1, 1) IN (x'00', x'02') THEN CAST(x'00' || m.payload AS BLOB) ELSE m.payload END,
      CAST(round((julianday(m.received_at) - 2440587.5) * 86400000) AS INTEGER)
    FROM messages m JOIN topics t ON t.name = m.topic LEFT JOIN conversation_keys k ON k.id = m.conversation_id;
  UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX(seq), 0) FROM message_log) WHERE name = 'message_log';

  ALTER TABLE conversations ADD COLUMN reply_to TEXT;
  UPDATE conversations SET reply_to = (SELECT json_extract(CAST(m.payload AS TEXT), '$.replyTo') FROM messages m WHERE m.message_id = conversations.request_id LIMIT 1);

  CREATE TABLE conversation_log (
    conv INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    message_seq INTEGER NOT NULL,
    PRIMARY KEY (conv, seq)
  ) WITHOUT ROWID;
  INSERT OR IGNORE INTO conversation_log (conv, seq, message_seq)
    SELECT k.n, e.seq, m.seq FROM conversation_events e
    JOIN conversation_keys k ON k.id = e.conversation_id
    JOIN messages m ON m.message_id = e.message_id AND m.conversation_id = e.conversation_id;

  DROP TABLE conversation_events;
  DROP TABLE messages;
  CREATE UNIQUE INDEX message_log_once ON message_log(conv, message_id, topic);
  CREATE INDEX message_log_invalid ON message_log(valid) WHERE valid = 0;

  CREATE VIEW messages AS
    SELECT l.seq, l.message_id, CASE WHEN k.id IS NULL THEN t.name ELSE replace(t.name, '+', k.id) END AS topic, l.kind, k.id AS conversation_id, l.retained, l.valid,
      l.error_code, l.error_message, l.size, l.payload, strftime('%Y-%m-%dT%H:%M:%fZ', l.received_at / 1000.0, 'unixepoch') AS received_at
    FROM message_log l JOIN topics t ON t.id = l.topic LEFT JOIN conversation_keys k ON k.n = l.conv;
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
