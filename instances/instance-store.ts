import type { InstanceHistoryRecord } from '../storage/index.ts';
import type { BackendKind } from './model-backend.ts';
import type { StoredTurn, Turn } from './turn.ts';

/**
 * The durable state of an instance, as the history table's CHECK constraint admits it ('busy' is
 * stored as 'idle': work in flight does not survive a restart).
 */
export type StoredInstanceStatus = InstanceHistoryRecord['status'];

export interface InstanceRecord {
  id: string;
  module: string;
  backend: BackendKind;
  systemPrompt: string;
  status: StoredInstanceStatus;
  /** Backend-side session (claude-code), to resume after a restart. */
  sessionId?: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601. */
  updatedAt: string;
}

/** Where instances and their history live. Implementations: SqliteInstanceStore, MemoryInstanceStore. */
export interface InstanceStore {
  /** Inserts or replaces the record. */
  saveInstance(rec: InstanceRecord): Promise<void>;
  loadInstance(id: string): Promise<InstanceRecord | undefined>;
  /** Appends a turn with the next seq (starting at 1) and returns it as stored. */
  appendTurn(id: string, turn: Turn): Promise<StoredTurn>;
  /** The instance's turns in seq order. */
  loadTurns(id: string): Promise<StoredTurn[]>;
  /** All records, or those of one module, oldest first. */
  listInstances(module?: string): Promise<InstanceRecord[]>;
}
