import { CommsQueries } from '../storage/index.ts';

/** Open the recorder's database for one command and close it however the command ends. */
export async function withQueries<T>(dbPath: string, use: (queries: CommsQueries) => T | Promise<T>): Promise<T> {
  const queries = new CommsQueries(dbPath);
  try {
    return await use(queries);
  } finally {
    queries.close();
  }
}
