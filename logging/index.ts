import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * One JSON logger per component, on stderr so stdout stays free for command output.
 * COMMS_LOG_LEVEL picks the level (default 'info'; the test suite sets 'silent' unless asked).
 */
export function createLogger(component: string, level = process.env.COMMS_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: component, level }, pino.destination(2));
}
