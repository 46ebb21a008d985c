import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Where the data folder came from, so errors can say why comms looked there. */
export type DataDirSource = '--data' | 'COMMS_DATA' | 'project folder' | 'current folder';

export interface DataDir {
  path: string;
  source: DataDirSource;
}

const PROJECT_NAME = 'claude-comms';

/** The nearest folder at or above `from` holding this project's package.json. */
function projectRoot(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PROJECT_NAME) return dir;
      } catch {
        // A broken package.json of another project: keep walking up.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The data folder (database, ingest output, credentials), resolved once per command:
 * `--data` > `COMMS_DATA` > `data/` of the nearest claude-comms checkout above the current folder >
 * `./data`. So `comms status` run from a subfolder reads the same database `comms up` writes.
 */
export function resolveDataDir(flag?: string, cwd = process.cwd()): DataDir {
  if (flag) return { path: resolve(cwd, flag), source: '--data' };
  const fromEnv = process.env.COMMS_DATA;
  if (fromEnv) return { path: resolve(cwd, fromEnv), source: 'COMMS_DATA' };
  const root = projectRoot(cwd);
  if (root) return { path: join(root, 'data'), source: 'project folder' };
  return { path: resolve(cwd, 'data'), source: 'current folder' };
}
