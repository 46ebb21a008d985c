/** Keep a long-running command alive until Ctrl-C / SIGTERM, then stop it cleanly. */
export function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((done) => {
    const shutdown = () => void stop().finally(done);
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}
