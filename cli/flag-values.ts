import { CommsError } from '../protocol/index.ts';

/**
 * yargs `coerce` functions that reject bad values as E_USAGE naming the flag and what is allowed,
 * instead of yargs' multi-line text or a schema error deep inside a module (`/maxPages: Expected integer`).
 */

/**
 * yargs re-throws a coerce error as its own YError with only the message; the printer uses this to
 * get ours back, hint included.
 */
let lastUsageError: CommsError | undefined;

/** The E_USAGE a coerce function threw, when yargs reports one with this message. */
export function usageErrorFor(message: string): CommsError | undefined {
  return lastUsageError?.message === message ? lastUsageError : undefined;
}

export function usage(message: string, hint: string): CommsError {
  lastUsageError = new CommsError('E_USAGE', message, { hint });
  return lastUsageError;
}

/** `--flag N` must be a whole number >= 1 (declare the option without `type: 'number'`, so "abc" is seen as typed). */
export function positiveInteger(flag: string): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < 1) throw usage(`${flag} must be a whole number of 1 or more, not ${JSON.stringify(String(value))}.`, `for example ${flag} 5`);
    return n;
  };
}

/** `--flag X` (or a positional) must be one of `allowed`. */
export function oneOf<T extends string>(flag: string, allowed: readonly T[]): (value: unknown) => T | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    if (!allowed.includes(value as T)) {
      throw usage(`${flag} ${JSON.stringify(String(value))} is not one of the allowed values: ${allowed.join(', ')}.`, `pass ${flag} with one of: ${allowed.join(', ')}`);
    }
    return value as T;
  };
}
