import { CommsError } from '../protocol/index.ts';
import type { InstanceRecord, InstanceStore } from './instance-store.ts';
import type { StoredTurn, Turn } from './turn.ts';

/** An InstanceStore in process memory: history lives as long as the process (the default without a database). */
export class MemoryInstanceStore implements InstanceStore {
  private readonly records = new Map<string, InstanceRecord>();
  private readonly turns = new Map<string, StoredTurn[]>();

  async saveInstance(rec: InstanceRecord): Promise<void> {
    this.records.set(rec.id, { ...rec });
  }

  async loadInstance(id: string): Promise<InstanceRecord | undefined> {
    const rec = this.records.get(id);
    return rec ? { ...rec } : undefined;
  }

  async appendTurn(id: string, turn: Turn): Promise<StoredTurn> {
    if (!this.records.has(id)) throw new CommsError('E_NOT_FOUND', `No instance ${id} to append a turn to.`);
    const list = this.turns.get(id) ?? [];
    const stored: StoredTurn = { role: turn.role, content: turn.content, seq: list.length + 1, at: new Date().toISOString() };
    list.push(stored);
    this.turns.set(id, list);
    return { ...stored };
  }

  async loadTurns(id: string): Promise<StoredTurn[]> {
    return (this.turns.get(id) ?? []).map((t) => ({ ...t }));
  }

  async listInstances(module?: string): Promise<InstanceRecord[]> {
    return [...this.records.values()]
      .filter((r) => module === undefined || r.module === module)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => ({ ...r }));
  }
}
