/** Past this, a shutdown that is still running is abandoned: every part has its own shorter bound (system/bounded-stop.ts). */
const HARD_DEADLINE_MS = 30_000;

/**
 * Keep a long-running command alive until Ctrl-C / SIGTERM, then stop it cleanly, within a bounded
 * time: a second signal, or a stop still running after HARD_DEADLINE_MS, exits at once and says so.
 */
export function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((done) => {
    const shutdown = (signal: NodeJS.Signals) => {
      process.stderr.write(`${signal}: shutting down (send it again to exit at once)\n`);
      const abandon = (why: string) => {
        process.stderr.write(`shutdown cut short: ${why}\n`);
        process.exit(1);
      };
      process.once('SIGINT', () => abandon('second signal'));
      process.once('SIGTERM', () => abandon('second signal'));
      const deadline = setTimeout(() => abandon(`still stopping after ${HARD_DEADLINE_MS / 1000} s`), HARD_DEADLINE_MS);
      deadline.unref();
      void stop()
        .catch((err: unknown) => process.stderr.write(`shutdown failed: ${(err as Error).message}\n`))
        .finally(() => {
          clearTimeout(deadline);
          done();
          // Whatever a stopped part left open (a socket mid-close) must not keep the process alive:
          // this timer only fires when something still holds the event loop.
          setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
        });
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
