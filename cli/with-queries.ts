import { existsSync } from 'node:fs';
import { CommsError } from '../protocol/index.ts';
import type { CommsQueries } from '../storage/index.ts';

/**
 * Open the recorder's database for one command and close it however the command ends. A missing
 * file is said plainly (which path, why there) instead of as SQLite's own error.
 */
export async function withQueries<T>(db: { path: string; why: string }, use: (queries: CommsQueries) => T | Promise<T>): Promise<T> {
  if (!existsSync(db.path)) {
    throw new CommsError('E_STORAGE', `no database at ${db.path} (${db.why}).`, {
      hint: 'start `comms up` (or `comms recorder`), which creates it, or pass --data FOLDER pointing at the folder that holds comms.db',
    });
  }
  // Loaded here, not at start-up: `comms --help` and commands without a database skip SQLite and the storage layer.
  const { CommsQueries } = await import('../storage/index.ts');
  const queries = new CommsQueries(db.path);
  try {
    return await use(queries);
  } finally {
    queries.close();
  }
}
