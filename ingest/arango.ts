import { Database } from 'arangojs';
import { CommsError } from '../protocol/index.ts';
import { DOCUMENT_COLLECTIONS, EDGE_COLLECTIONS, type Collections } from './collections.ts';

export interface ArangoTarget {
  url: string;
  database: string;
  username?: string;
  password?: string;
}

export interface ArangoWriteResult {
  url: string;
  database: string;
  imported: Record<string, { created: number; updated: number; errors: number }>;
}

const DB_NAME = /^[A-Za-z0-9_][A-Za-z0-9_\-]{0,63}$/;
const BATCH = 5000;

/** Checked before any connection, so a typo is reported as the config error it is. */
export function validateArangoTarget(target: ArangoTarget): void {
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    throw new CommsError('E_CONFIG_INVALID', `ARANGO_URL "${target.url}" is not a URL; use e.g. http://localhost:8529`, { url: target.url });
  }
  if (!['http:', 'https:'].includes(url.protocol)) {
    throw new CommsError('E_CONFIG_INVALID', `ARANGO_URL must be http:// or https://, got ${url.protocol}//`, { url: target.url });
  }
  if (!target.database || !DB_NAME.test(target.database)) {
    throw new CommsError('E_CONFIG_INVALID', `ArangoDB database name "${target.database}" is invalid; use letters, digits, _ and - (at most 64).`, {
      database: target.database,
    });
  }
  if (target.password !== undefined && target.username === undefined) {
    throw new CommsError('E_CONFIG_INVALID', 'An ArangoDB password was given without a username.');
  }
}

/**
 * Import collections into a live ArangoDB (when ARANGO_URL is set). Creates missing document and
 * edge collections; imports replace records with the same `_key`, so re-ingesting is idempotent.
 */
export async function writeToArango(collections: Collections, target: ArangoTarget): Promise<ArangoWriteResult> {
  validateArangoTarget(target);
  const db = new Database({
    url: target.url,
    databaseName: target.database,
    ...(target.username !== undefined ? { auth: { username: target.username, password: target.password ?? '' } } : {}),
  });
  const imported: ArangoWriteResult['imported'] = {};
  try {
    for (const name of [...DOCUMENT_COLLECTIONS, ...EDGE_COLLECTIONS]) {
      const edge = (EDGE_COLLECTIONS as readonly string[]).includes(name);
      const col = db.collection(name);
      if (!(await col.exists())) {
        if (edge) await db.createEdgeCollection(name);
        else await db.createCollection(name);
      }
      const records = collections[name] as Array<Record<string, unknown>>;
      const sum = { created: 0, updated: 0, errors: 0 };
      for (let i = 0; i < records.length; i += BATCH) {
        const r = await col.import(records.slice(i, i + BATCH), { onDuplicate: 'replace', complete: true });
        sum.created += r.created;
        sum.updated += r.updated;
        sum.errors += r.errors;
      }
      imported[name] = sum;
    }
  } catch (err) {
    throw new CommsError('E_STORAGE', `ArangoDB at ${target.url} (database ${target.database}) failed: ${(err as Error).message}`, { url: target.url }, { cause: err });
  } finally {
    db.close();
  }
  return { url: target.url, database: target.database, imported };
}
