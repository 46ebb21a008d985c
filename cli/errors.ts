import { join } from 'node:path';
import { CommsError, ERROR_CODES, type ErrorCode } from '../protocol/index.ts';
import { resolveDataDir } from './data-dir.ts';
import { usageErrorFor } from './flag-values.ts';

/** What the printer may know about the command line, to name the flag or the file to change. */
export interface ErrorContext {
  debug: boolean;
  /** Parsed flags, when parsing got that far (ports, --data). */
  argv?: Record<string, unknown>;
}

/** Listening flags, in the order a busy port is matched against them. */
const PORT_FLAGS: ReadonlyArray<[string, string]> = [
  ['port', '--port'],
  ['wsPort', '--ws-port'],
  ['dashboardPort', '--dashboard-port'],
  ['tlsPort', '--tls-port'],
];

/** A Node listen error as E_ADDRESS_IN_USE naming the port and the flag that sets it. */
function addressInUse(err: NodeJS.ErrnoException & { port?: number; address?: string }, argv: Record<string, unknown> = {}): CommsError {
  const flag = PORT_FLAGS.find(([key]) => argv[key] === err.port)?.[1] ?? '--port';
  return new CommsError('E_ADDRESS_IN_USE', `port ${err.port ?? '?'} on ${err.address ?? 'this host'} is already in use.`, {
    hint: `stop the process using it, or pass ${flag} with another port (0 picks a free one)`,
  });
}

/** Every failure as a CommsError: ours as they are, Node's listen errors translated, the rest E_INTERNAL. */
export function toCliError(err: unknown, argv?: Record<string, unknown>): CommsError {
  if (err instanceof CommsError) return err;
  const errno = err as NodeJS.ErrnoException;
  if (errno?.code === 'EADDRINUSE') return addressInUse(errno, argv);
  const message = err instanceof Error ? err.message : String(err);
  // yargs' own validation errors (and our coerce errors, which it re-throws as YError) are usage errors.
  if (err instanceof Error && err.name === 'YError') return usageErrorFor(message) ?? new CommsError('E_USAGE', message, { hint: 'see `comms <command> --help`' });
  return new CommsError('E_INTERNAL', message, { hint: 'this is a bug in comms: rerun with --debug to see the stack trace, and report it' });
}

/** The hint line: the error's own (details.hint), else one for the code, else the code's table entry. */
function hintFor(err: CommsError, argv: Record<string, unknown> = {}): string {
  const own = (err.details as { hint?: unknown } | undefined)?.hint;
  if (typeof own === 'string') return own;
  const data = resolveDataDir(typeof argv.data === 'string' ? argv.data : undefined).path;
  const byCode: Partial<Record<ErrorCode, string>> = {
    E_NOT_FOUND: 'list what is recorded with `comms conversations` (ids may have been pruned by retention)',
    E_STORAGE: 'start `comms up` (it creates the database) or pass --data FOLDER',
    E_AUTH_FAILED: `the passwords comms up generated are in ${join(data, 'secrets.json')}; pass --username/--password, or add a user with \`comms user add NAME --role actor\``,
    E_NOT_CONNECTED: 'check --url (or COMMS_URL) and that a broker runs: `comms up`',
    E_USAGE: 'see `comms <command> --help`',
    E_TIMEOUT: 'check the module is online (`comms watch`), or raise --timeout',
  };
  return byCode[err.code] ?? ERROR_CODES[err.code];
}

/**
 * The one place a failed command is printed: `error CODE: message`, then `hint: ...`, on stderr;
 * the stack only with --debug, so a user never has to read a trace to know what to do.
 */
export function printCliError(err: unknown, context: ErrorContext): void {
  const error = toCliError(err, context.argv);
  const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`error ${error.code}: ${oneLine(error.message)}\nhint: ${oneLine(hintFor(error, context.argv))}\n`);
  if (context.debug) process.stderr.write(`${(err instanceof Error && err.stack) || String(err)}\n`);
}
