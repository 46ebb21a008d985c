import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { CommsError } from '../protocol/index.ts';
import type { Collections } from './collections.ts';

/**
 * Write one `<collection>.jsonl` per collection (one JSON object per line), the input format of
 * `arangoimport --type jsonl --collection <name> [--create-collection-type edge]`.
 * Streams, so a large document is never held as one string.
 */
export async function writeJsonl(collections: Collections, outDir: string): Promise<Record<string, string>> {
  const dir = resolve(outDir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new CommsError('E_STORAGE', `Cannot create output folder ${dir}: ${(err as Error).message}`, { outDir: dir }, { cause: err });
  }
  const paths: Record<string, string> = {};
  for (const [name, records] of Object.entries(collections) as Array<[string, unknown[]]>) {
    const path = join(dir, `${name}.jsonl`);
    const out = createWriteStream(path, { encoding: 'utf8' });
    const failed = once(out, 'error').then(([err]) => {
      throw new CommsError('E_STORAGE', `Cannot write ${path}: ${(err as Error).message}`, { path }, { cause: err });
    });
    try {
      for (const r of records) {
        if (!out.write(`${JSON.stringify(r)}\n`)) await Promise.race([once(out, 'drain'), failed]);
      }
      out.end();
      await Promise.race([once(out, 'finish'), failed]);
    } finally {
      failed.catch(() => undefined);
      out.destroy();
    }
    paths[name] = path;
  }
  return paths;
}
