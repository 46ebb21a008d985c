import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { CommsError } from '../protocol/index.ts';
import { migrate, MIGRATIONS } from './migrations.ts';

export type { Database } from 'better-sqlite3';

/**
 * A database's single writing connection (the recorder's comms.db, the orchestrator's
 * workflows.db), brought up to date with that file's migrations: WAL so readers never block it,
 * synchronous=NORMAL (a committed transaction survives a process crash; only an OS crash can lose
 * the last ones).
 */
export function openWriter(path: string, migrations: readonly string[] = MIGRATIONS): Database {
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (err) {
    throw new CommsError('E_STORAGE', `cannot open database ${path} for writing: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/** A read-only connection for the query API; it sees every committed write of the recorder. */
export function openReader(path: string): Database {
  try {
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw new CommsError('E_STORAGE', `cannot open database ${path}: ${(err as Error).message}. Is the recorder running with --db ${path}?`, undefined, { cause: err });
  }
}
