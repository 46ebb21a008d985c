import type { Envelope } from '../../protocol/index.ts';

/**
 * A request a Responder is handling. Its AbortController is made only when someone needs it (the
 * handler reads `signal`, or a cancel arrives): most handlers never look, and a controller with its
 * signal is the largest thing a quick request would otherwise allocate.
 */
export class RunningJob {
  readonly state = 'running' as const;
  inputWaiter: ((input: unknown) => void) | undefined;
  /** The acknowledgement still owed; it waits one event-loop turn (Responder's ack queue), so a quick reply makes it unnecessary. */
  ackPending = false;
  /** The handler has settled: no lease renewal starts after that. */
  finished = false;
  /** Stops the lease renewals, which start with the acknowledgement (a request answered without one needs none). */
  stopRenewing: (() => void) | undefined;
  private controller: AbortController | undefined;

  constructor(readonly request: Envelope) {}

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }

  get aborted(): boolean {
    return this.controller?.signal.aborted === true;
  }
}
