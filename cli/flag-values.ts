import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
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

/** `--flag N` must be a TCP port: 0 (any free port) to 65535 when `allowAny`, else 1 to 65535. */
export function tcpPort(flag: string, options: { allowAny?: boolean } = {}): (value: unknown) => number | undefined {
  const min = options.allowAny ? 0 : 1;
  return (value) => {
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : Number(value);
    if (!Number.isInteger(n) || n < min || n > 65535) throw usage(`${flag} must be a TCP port from ${min} to 65535, not ${JSON.stringify(String(value))}.`, `for example ${flag} 1883${options.allowAny ? ` (${flag} 0 takes any free port)` : ''}`);
    return n;
  };
}

/**
 * `--flag PATH` names a file to create or open (not a folder, not empty); `keywords` are accepted
 * as they are (e.g. `memory`).
 */
export function filePath(flag: string, keywords: readonly string[] = []): (value: unknown) => string | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const text = String(value);
    const allowed = ['a file path', ...keywords.map((k) => `'${k}'`)].join(' or ');
    if (keywords.includes(text)) return text;
    if (text.trim() === '') throw usage(`${flag} is empty; it needs ${allowed}.`, `for example ${flag} data/broker.db`);
    if (isDirectory(text)) throw usage(`${flag} ${JSON.stringify(text)} is a folder; it needs ${allowed}.`, `name a file inside it, e.g. ${flag} ${join(text, 'broker.db')}`);
    return text;
  };
}

/** `--flag DIR` names a folder to write into: not empty and not an existing file. For a required flag (yargs coerces only given values). */
export function folderPath(flag: string): (value: unknown) => string {
  return (value) => {
    const text = value === undefined ? '' : String(value);
    if (text.trim() === '') throw usage(`${flag} is empty; it needs a folder path.`, `for example ${flag} ./mosquitto`);
    if (existsSync(text) && !isDirectory(text)) throw usage(`${flag} ${JSON.stringify(text)} is a file, not a folder.`, `pass a folder (it is created when missing), e.g. ${flag} ./mosquitto`);
    return text;
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
