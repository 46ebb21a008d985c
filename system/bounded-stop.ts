import type { Logger } from '../logging/index.ts';

/** How long one part of the system may take to stop before shutdown moves on without it. */
export const STOP_STEP_MS = 5_000;

/**
 * Run one shutdown step, but never wait longer than `ms`: a part stuck on a busy or hostile bus
 * (a publish that never gets its PUBACK, a handler ignoring its abort) must not keep the process
 * alive. When the deadline passes, `force` (e.g. Actor.kill: drop the connection) runs and the log
 * says what was cut short; the caller goes on closing the rest (database, broker).
 */
export async function stopWithin(what: string, stop: () => Promise<void>, logger: Logger, options: { ms?: number; force?: () => Promise<void> } = {}): Promise<void> {
  const ms = options.ms ?? STOP_STEP_MS;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), ms)));
  try {
    const outcome = await Promise.race([stop().then(() => 'stopped' as const), expired]);
    if (outcome === 'expired') {
      logger.warn({ part: what, afterMs: ms }, `shutdown of ${what} cut short after ${ms} ms; closing it without waiting`);
      await options.force?.().catch((err: unknown) => logger.warn({ err, part: what }, `forced stop of ${what} failed`));
    }
  } catch (err) {
    logger.warn({ err, part: what }, `shutdown of ${what} failed`);
  } finally {
    clearTimeout(timer);
  }
}
