/**
 * InstanceStore on SQLite (better-sqlite3), tables `instances` and `instance_turns`. All of this
 * module's SQL is in this file. Give it an open Database (it is not closed by `close()`) or a
 * file path (opened in WAL mode and closed by `close()`).
 */
import Database from 'better-sqlite3';
import { CommsError } from '../protocol/index.ts';
import type { BackendKind } from './model-backend.ts';
import type { InstanceRecord, InstanceStore, StoredInstanceStatus } from './instance-store.ts';
import type { StoredTurn, Turn } from './turn.ts';

const SCHEMA = `
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
`;

interface InstanceRow {
  id: string;
  module: string;
  backend: string;
  system_prompt: string;
  status: string;
  session_id: string | null;
  created_at: string;
  updated_at: string;
}

interface TurnRow {
  seq: number;
  role: string;
  content: string;
  at: string;
}

export class SqliteInstanceStore implements InstanceStore {
  private readonly db: Database.Database;
  private readonly ownsDb: boolean;
  private readonly upsert: Database.Statement<[InstanceRow]>;
  private readonly selectOne: Database.Statement<[string], InstanceRow>;
  private readonly selectAll: Database.Statement<[], InstanceRow>;
  private readonly selectByModule: Database.Statement<[string], InstanceRow>;
  private readonly nextSeq: Database.Statement<[string], { next: number }>;
  private readonly insertTurn: Database.Statement<[string, number, string, string, string]>;
  private readonly selectTurns: Database.Statement<[string], TurnRow>;
  private readonly append: (id: string, turn: Turn) => StoredTurn;

  constructor(db: Database.Database | string) {
    try {
      if (typeof db === 'string') {
        this.db = new Database(db);
        this.db.pragma('journal_mode = WAL');
        this.ownsDb = true;
      } else {
        this.db = db;
        this.ownsDb = false;
      }
      this.db.pragma('foreign_keys = ON');
      this.db.exec(SCHEMA);
      this.upsert = this.db.prepare(
        `INSERT INTO instances (id, module, backend, system_prompt, status, session_id, created_at, updated_at)
         VALUES (@id, @module, @backend, @system_prompt, @status, @session_id, @created_at, @updated_at)
         ON CONFLICT (id) DO UPDATE SET module = excluded.module, backend = excluded.backend,
           system_prompt = excluded.system_prompt, status = excluded.status, session_id = excluded.session_id,
           updated_at = excluded.updated_at`,
      );
      this.selectOne = this.db.prepare('SELECT * FROM instances WHERE id = ?');
      this.selectAll = this.db.prepare('SELECT * FROM instances ORDER BY created_at, id');
      this.selectByModule = this.db.prepare('SELECT * FROM instances WHERE module = ? ORDER BY created_at, id');
      this.nextSeq = this.db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM instance_turns WHERE instance_id = ?');
      this.insertTurn = this.db.prepare('INSERT INTO instance_turns (instance_id, seq, role, content, at) VALUES (?, ?, ?, ?, ?)');
      this.selectTurns = this.db.prepare('SELECT seq, role, content, at FROM instance_turns WHERE instance_id = ? ORDER BY seq');
      this.append = this.db.transaction((id: string, turn: Turn): StoredTurn => {
        if (!this.selectOne.get(id)) throw new CommsError('E_NOT_FOUND', `No instance ${id} to append a turn to.`);
        const seq = this.nextSeq.get(id)?.next ?? 1;
        const at = new Date().toISOString();
        this.insertTurn.run(id, seq, turn.role, turn.content, at);
        return { role: turn.role, content: turn.content, seq, at };
      });
    } catch (err) {
      throw storageError(err);
    }
  }

  async saveInstance(rec: InstanceRecord): Promise<void> {
    this.run(() =>
      this.upsert.run({
        id: rec.id,
        module: rec.module,
        backend: rec.backend,
        system_prompt: rec.systemPrompt,
        status: rec.status,
        session_id: rec.sessionId ?? null,
        created_at: rec.createdAt,
        updated_at: rec.updatedAt,
      }),
    );
  }

  async loadInstance(id: string): Promise<InstanceRecord | undefined> {
    const row = this.run(() => this.selectOne.get(id));
    return row ? toRecord(row) : undefined;
  }

  async appendTurn(id: string, turn: Turn): Promise<StoredTurn> {
    return this.run(() => this.append(id, turn));
  }

  async loadTurns(id: string): Promise<StoredTurn[]> {
    return this.run(() => this.selectTurns.all(id)).map((row) => ({
      seq: row.seq,
      role: row.role === 'assistant' ? 'assistant' : 'user',
      content: row.content,
      at: row.at,
    }));
  }

  async listInstances(module?: string): Promise<InstanceRecord[]> {
    const rows = this.run(() => (module === undefined ? this.selectAll.all() : this.selectByModule.all(module)));
    return rows.map(toRecord);
  }

  /** Closes the database if this store opened it from a path. */
  close(): void {
    if (this.ownsDb && this.db.open) this.db.close();
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storageError(err);
    }
  }
}

function toRecord(row: InstanceRow): InstanceRecord {
  const rec: InstanceRecord = {
    id: row.id,
    module: row.module,
    backend: row.backend as BackendKind,
    systemPrompt: row.system_prompt,
    status: row.status as StoredInstanceStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.session_id !== null) rec.sessionId = row.session_id;
  return rec;
}

function storageError(err: unknown): CommsError {
  if (err instanceof CommsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CommsError('E_STORAGE', `Instance store: ${message}`, undefined, { cause: err });
}
