import type { Database } from 'better-sqlite3';

/**
 * The broker state file's own schema, separate from the recorder's (different process lifetime,
 * different writer). Append-only; `PRAGMA user_version` says how many have run.
 * Packets are stored as `meta` (the packet's JSON without its payload) and `payload` (BLOB), so a
 * large payload is never base64-encoded.
 */
export const BROKER_STATE_MIGRATIONS: readonly string[] = [
  // 1: retained messages, persistent-session subscriptions, queued/in-flight QoS 1-2 messages, incoming QoS 2, wills.
  `
  CREATE TABLE retained (topic TEXT PRIMARY KEY, meta TEXT NOT NULL, payload BLOB NOT NULL);
  CREATE TABLE subscriptions (client_id TEXT NOT NULL, topic TEXT NOT NULL, options TEXT NOT NULL, PRIMARY KEY (client_id, topic));
  CREATE TABLE outgoing (seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, meta TEXT NOT NULL, payload BLOB);
  CREATE INDEX outgoing_client ON outgoing(client_id, seq);
  CREATE TABLE incoming (client_id TEXT NOT NULL, message_id INTEGER NOT NULL, meta TEXT NOT NULL, payload BLOB, PRIMARY KEY (client_id, message_id));
  CREATE TABLE wills (client_id TEXT PRIMARY KEY, meta TEXT NOT NULL, payload BLOB);
  `,
];

export function migrateBrokerState(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < BROKER_STATE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(BROKER_STATE_MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
