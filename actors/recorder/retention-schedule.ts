import type { Logger } from '../../logging/index.ts';
import type { MessageRecorder, RetentionPolicy } from '../../storage/index.ts';

export interface RetentionSchedule {
  stop(): void;
}

/** Default interval between retention runs: short enough that a size limit holds within minutes of traffic. */
const DEFAULT_EVERY_MS = 10 * 60_000;

/** Prune by age and size now and then every `everyMs` (docs/storage.md, Retention); the timer never keeps the process alive. */
export function startRetention(recorder: MessageRecorder, policy: RetentionPolicy & { everyMs?: number }, log: Logger): RetentionSchedule {
  const prune = () => {
    try {
      const removed = recorder.prune(policy);
      if (removed.messages + removed.conversations + removed.workflows > 0) log.info(removed, 'pruned old records');
    } catch (err) {
      log.warn({ err }, 'retention run failed; retrying at the next interval');
    }
  };
  prune();
  const timer = setInterval(prune, policy.everyMs ?? DEFAULT_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
