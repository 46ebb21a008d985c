/**
 * Instance history on SQLite: tables `instances` and `instance_turns` of instances.db (schema in
 * instance-history-migrations.ts). All of its SQL is in this file. Give it an open Database (it
 * is migrated, and not closed by `close()`) or a file path (opened like every writer, closed by
 * `close()`). The rows are plain data: instances/ narrows them to its own types.
 */
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { CommsError } from '../protocol/index.ts';
import { openWriter } from './database.ts';
import { INSTANCE_HISTORY_MIGRATIONS } from './instance-history-migrations.ts';
import { migrate } from './migrations.ts';

/** One instance as stored; `status` is one of the CHECK constraint's values. */
export interface InstanceHistoryRecord {
  id: string;
  module: string;
  backend: string;
  systemPrompt: string;
  status: 'idle' | 'paused' | 'failed' | 'terminated';
  sessionId?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
}

export interface InstanceHistoryTurn {
  /** 1, 2, ... per instance. */
  seq: number;
  role: 'user' | 'assistant';
  content: string;
  /** ISO 8601. */
  at: string;
}

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

export class InstanceHistoryStore {
  private readonly db: Database;
  private readonly ownsDb: boolean;
  private readonly upsert: BetterSqlite3.Statement<[InstanceRow]>;
  private readonly selectOne: BetterSqlite3.Statement<[string], InstanceRow>;
  private readonly selectAll: BetterSqlite3.Statement<[], InstanceRow>;
  private readonly selectByModule: BetterSqlite3.Statement<[string], InstanceRow>;
  private readonly nextSeq: BetterSqlite3.Statement<[string], { next: number }>;
  private readonly insertTurn: BetterSqlite3.Statement<[string, number, string, string, string]>;
  private readonly selectTurns: BetterSqlite3.Statement<[string], InstanceHistoryTurn>;
  private readonly append: (id: string, role: InstanceHistoryTurn['role'], content: string) => InstanceHistoryTurn;

  constructor(db: Database | string) {
    try {
      if (typeof db === 'string') {
        this.db = openWriter(db, INSTANCE_HISTORY_MIGRATIONS);
        this.ownsDb = true;
      } else {
        this.db = db;
        this.ownsDb = false;
        migrate(db, INSTANCE_HISTORY_MIGRATIONS);
      }
      this.db.pragma('foreign_keys = ON');
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
      // One transaction, so two appends to the same instance can never take the same seq.
      this.append = this.db.transaction((id: string, role: InstanceHistoryTurn['role'], content: string): InstanceHistoryTurn => {
        if (!this.selectOne.get(id)) throw new CommsError('E_NOT_FOUND', `No instance ${id} to append a turn to.`);
        const seq = this.nextSeq.get(id)?.next ?? 1;
        const at = new Date().toISOString();
        this.insertTurn.run(id, seq, role, content, at);
        return { seq, role, content, at };
      });
    } catch (err) {
      throw storageError(err);
    }
  }

  /** Inserts or replaces the record (createdAt of an existing one is kept). */
  save(rec: InstanceHistoryRecord): void {
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

  load(id: string): InstanceHistoryRecord | undefined {
    const row = this.run(() => this.selectOne.get(id));
    return row ? toRecord(row) : undefined;
  }

  /** All records, or those of one module, oldest first. */
  list(module?: string): InstanceHistoryRecord[] {
    return this.run(() => (module === undefined ? this.selectAll.all() : this.selectByModule.all(module))).map(toRecord);
  }

  /** Appends a turn with the next seq; E_NOT_FOUND for an unknown instance. */
  appendTurn(id: string, role: InstanceHistoryTurn['role'], content: string): InstanceHistoryTurn {
    return this.run(() => this.append(id, role, content));
  }

  turns(id: string): InstanceHistoryTurn[] {
    return this.run(() => this.selectTurns.all(id)).map((row) => ({ ...row, role: row.role === 'assistant' ? 'assistant' : 'user' }));
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

function toRecord(row: InstanceRow): InstanceHistoryRecord {
  const rec: InstanceHistoryRecord = {
    id: row.id,
    module: row.module,
    backend: row.backend,
    systemPrompt: row.system_prompt,
    // The CHECK constraint admits only these values.
    status: row.status as InstanceHistoryRecord['status'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.session_id !== null) rec.sessionId = row.session_id;
  return rec;
}

function storageError(err: unknown): CommsError {
  if (err instanceof CommsError && err.code !== 'E_STORAGE') return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CommsError('E_STORAGE', `Instance store: ${message}`, undefined, { cause: err });
}
