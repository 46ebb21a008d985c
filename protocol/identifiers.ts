import { CommsError } from './errors.ts';

/** Module names, conversation ids, workflow ids and client ids all share this shape, since each becomes one topic level (docs/architecture.md, Components). */
export const IDENTIFIER_PATTERN = '^[a-z0-9][a-z0-9_.-]{0,63}$';
const IDENTIFIER = new RegExp(IDENTIFIER_PATTERN);

export function isIdentifier(value: unknown): value is string {
  return typeof value === 'string' && IDENTIFIER.test(value);
}

/** Throws E_TOPIC_INVALID naming the offending value, so a bad id never reaches a topic string. */
export function assertIdentifier(value: unknown, what: string): string {
  if (!isIdentifier(value)) {
    throw new CommsError(
      'E_TOPIC_INVALID',
      `${what} ${JSON.stringify(value)} is not a valid identifier: use 1-64 lowercase letters, digits, '_', '.', '-', starting with a letter or digit.`,
    );
  }
  return value;
}
