import { decodeEnvelope, type WorkflowEvent } from '../../protocol/index.ts';

/** Workflow events seen on comms/v1/workflows/+/events (subscribe `listener`), and waiting for one. */
export class WorkflowEventLog {
  readonly events: WorkflowEvent[] = [];
  private readonly waiters: Array<() => void> = [];

  readonly listener = (_topic: string, payload: Buffer): void => {
    this.events.push(decodeEnvelope(payload, { schema: 'workflow.event@1' }).body as WorkflowEvent);
    for (const wake of [...this.waiters]) wake();
  };

  /** Resolves once an event matching `check` was seen (re-checked on every event). */
  seen(check: (e: WorkflowEvent) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const test = () => (this.events.some(check) ? (resolve(), true) : false);
      if (!test()) this.waiters.push(() => void test());
    });
  }
}
