import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, fsyncSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowStateName, WorkflowStepStatus } from '../../state-machines/index.ts';
import type { ErrorBody } from '../../protocol/index.ts';
import type { ValidWorkflow } from '../../protocol/index.ts';

/** What the orchestrator keeps per workflow so a restarted orchestrator can go on where it stopped. */
export interface StoredWorkflow {
  definition: ValidWorkflow;
  state: WorkflowStateName;
  steps: Record<string, WorkflowStepStatus>;
  seq: number;
  error?: ErrorBody;
  startedAt?: string;
  updatedAt: string;
}

/**
 * One JSON file per workflow in a directory, replaced atomically (write to a temp file, fsync,
 * rename) on every transition. Without a directory it only keeps them in memory.
 */
export class WorkflowStore {
  private readonly memory = new Map<string, StoredWorkflow>();

  constructor(private readonly dir?: string) {
    if (dir) mkdirSync(dir, { recursive: true });
  }

  save(record: StoredWorkflow): void {
    this.memory.set(record.definition.id, record);
    if (!this.dir) return;
    const file = join(this.dir, `${record.definition.id}.json`);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(record));
    const fd = openSync(temp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  }

  get(id: string): StoredWorkflow | undefined {
    return this.memory.get(id);
  }

  /** Every workflow in the directory (files that do not parse are skipped and reported). */
  loadAll(onError: (file: string, err: unknown) => void = () => {}): StoredWorkflow[] {
    if (!this.dir) return [...this.memory.values()];
    const records: StoredWorkflow[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as StoredWorkflow;
        this.memory.set(record.definition.id, record);
        records.push(record);
      } catch (err) {
        onError(name, err);
      }
    }
    return records;
  }
}
