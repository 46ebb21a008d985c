/**
 * Fire-and-track requests to a background instance or pool: `sendToBackground` starts one and
 * returns its result id at once; `getBackgroundResult` reads where it is. Finished results are
 * kept in process memory (the newest 1000).
 */
import { ulid } from 'ulid';
import { CommsError, toCommsError, type ErrorReply } from '../protocol/index.ts';
import type { BackgroundInstance } from './background-instance.ts';
import type { InstanceReply, SendOptions } from './instance-options.ts';
import type { InstancePool } from './instance-pool.ts';

export type BackgroundResultStatus = 'pending' | 'completed' | 'failed';

export interface BackgroundResult {
  id: string;
  status: BackgroundResultStatus;
  /** ISO 8601. */
  startedAt: string;
  finishedAt?: string;
  reply?: InstanceReply;
  error?: ErrorReply;
}

export interface BackgroundSend {
  resultId: string;
  /** Settles with the reply (or rejects with a CommsError). Not awaiting it is safe. */
  promise: Promise<InstanceReply>;
}

const KEEP_FINISHED = 1000;
const results = new Map<string, BackgroundResult>();
const finishedOrder: string[] = [];

export function sendToBackground(
  target: BackgroundInstance | InstancePool,
  prompt: string,
  opts: SendOptions = {},
): BackgroundSend {
  const resultId = ulid().toLowerCase();
  const record: BackgroundResult = { id: resultId, status: 'pending', startedAt: new Date().toISOString() };
  results.set(resultId, record);
  const finish = (): void => {
    record.finishedAt = new Date().toISOString();
    finishedOrder.push(resultId);
    while (finishedOrder.length > KEEP_FINISHED) results.delete(finishedOrder.shift() as string);
  };
  const promise = target.send(prompt, opts).then(
    (reply) => {
      record.status = 'completed';
      record.reply = reply;
      finish();
      return reply;
    },
    (err: unknown) => {
      const error = toCommsError(err, 'E_MODEL_UNAVAILABLE');
      record.status = 'failed';
      record.error = error.toBody();
      finish();
      throw error;
    },
  );
  promise.catch(() => undefined); // the result is kept; an unobserved failure is not an unhandled rejection
  return { resultId, promise };
}

/** Where a background request is. Throws E_NOT_FOUND for an unknown (or long-evicted) id. */
export function getBackgroundResult(resultId: string): BackgroundResult {
  const record = results.get(resultId);
  if (!record) throw new CommsError('E_NOT_FOUND', `No background result ${resultId}.`);
  return structuredClone(record);
}
