import type { Recorder } from '../actors/recorder/index.ts';
import { FINAL_STATES } from '../protocol/index.ts';

/**
 * Resolves once the recorder has committed the conversation's final state, so a caller that stops
 * the system right after (or reads the database) sees the whole conversation. Checked on each of
 * the recorder's commits; gives up after `limitMs` so a lost final event cannot hang a shutdown.
 */
export function waitUntilRecordedEnd(recorder: Recorder, conversationId: string, limitMs = 5000): Promise<void> {
  return waitUntilRecorded(recorder, () => FINAL_STATES.includes(recorder.queries.getTaskStatus(conversationId).state), limitMs);
}

/**
 * Resolves once `done()` is true, checked now and after each of the recorder's commits; a throw
 * (E_NOT_FOUND: not recorded yet) counts as not done. Gives up after `limitMs`.
 */
export function waitUntilRecorded(recorder: Recorder, done: () => boolean, limitMs = 5000): Promise<void> {
  const ended = () => {
    try {
      return done();
    } catch {
      return false;
    }
  };
  return new Promise((resolve) => {
    if (ended()) return resolve();
    const check = () => {
      if (ended()) finish();
    };
    const finish = () => {
      clearTimeout(limit);
      recorder.events.off('recorded', check);
      resolve();
    };
    const limit = setTimeout(finish, limitMs);
    recorder.events.on('recorded', check);
  });
}
