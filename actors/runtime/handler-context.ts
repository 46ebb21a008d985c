import type { Logger } from '../../logging/index.ts';
import type { Envelope, ProgressReport } from '../../protocol/index.ts';
import type { HandlerContext } from './query-handler.ts';
import type { RequestOptions } from './request-options.ts';
import type { RunningJob } from './running-job.ts';

/** What a handler's context does through its Responder. */
export interface JobHost {
  /** Send the job's ack now, unless it went already. */
  acknowledge(job: RunningJob): void;
  sendProgress(request: Envelope, report: ProgressReport): void;
  ask<R>(to: string, schema: string, body: unknown, options: Partial<RequestOptions>): Promise<R>;
}

/**
 * The `ctx` a query handler gets for one request. `signal` and `log` are made when the handler
 * first reads them: a quick handler that never does costs neither.
 */
export function handlerContext(job: RunningJob, parentLog: Logger, host: JobHost): HandlerContext {
  const { request } = job;
  let log: Logger | undefined;
  return {
    request,
    get signal() {
      return job.signal;
    },
    get log() {
      log ??= parentLog.child({ conversationId: request.conversationId });
      return log;
    },
    progress: (report) => {
      host.acknowledge(job);
      host.sendProgress(request, report);
    },
    askInput: (prompt, schema) =>
      new Promise((resolve, reject) => {
        // Already canceled: asking would wait for an answer that can never come.
        const signal = job.signal;
        if (signal.aborted) return reject(signal.reason);
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        job.inputWaiter = (input) => {
          signal.removeEventListener('abort', onAbort);
          resolve(input);
        };
        host.acknowledge(job);
        host.sendProgress(request, { stage: 'input-required', inputRequired: { prompt, ...(schema === undefined ? {} : { schema }) } });
      }),
    // Child requests belong to this conversation and end with it (cancel cascade).
    ask: (to, schema, body, options) => host.ask(to, schema, body, { parentId: request.conversationId, signal: job.signal, ...options }),
  };
}
