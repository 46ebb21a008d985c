/**
 * InstanceStore on SQLite: the InstanceStore interface over storage/'s InstanceHistoryStore,
 * which owns the schema (instances.db, its own migrations). Give it an open Database (not closed
 * by `close()`) or a file path (opened like every storage writer, closed by `close()`).
 */
import { InstanceHistoryStore, type Database, type InstanceHistoryRecord } from '../storage/index.ts';
import type { BackendKind } from './model-backend.ts';
import type { InstanceRecord, InstanceStore } from './instance-store.ts';
import type { StoredTurn, Turn } from './turn.ts';

export class SqliteInstanceStore implements InstanceStore {
  private readonly history: InstanceHistoryStore;

  constructor(db: Database | string) {
    this.history = new InstanceHistoryStore(db);
  }

  async saveInstance(rec: InstanceRecord): Promise<void> {
    this.history.save(rec);
  }

  async loadInstance(id: string): Promise<InstanceRecord | undefined> {
    const rec = this.history.load(id);
    return rec ? toInstanceRecord(rec) : undefined;
  }

  async appendTurn(id: string, turn: Turn): Promise<StoredTurn> {
    return this.history.appendTurn(id, turn.role, turn.content);
  }

  async loadTurns(id: string): Promise<StoredTurn[]> {
    return this.history.turns(id);
  }

  async listInstances(module?: string): Promise<InstanceRecord[]> {
    return this.history.list(module).map(toInstanceRecord);
  }

  /** Closes the database if this store opened it from a path. */
  close(): void {
    this.history.close();
  }
}

/** Only this module writes the table, so a stored backend is always one of ours. */
function toInstanceRecord(rec: InstanceHistoryRecord): InstanceRecord {
  return { ...rec, backend: rec.backend as BackendKind };
}
