/**
 * `comms events ID | head` closes stdout early: that is the reader being done, not a failure, so
 * EPIPE ends the command quietly with 0 instead of an unhandled 'error' event and a stack.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
