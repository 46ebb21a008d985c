/**
 * What `scripts/build.mjs` compiles, and the staleness test shared by the build and bin/comms.js:
 * dist is stale when any file under these folders (or package.json) is newer than dist's stamp.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Folders whose code runs in the shipped system (tests, eval, docs tooling and scripts excluded). */
export const SOURCE_DIRS = ['actors', 'broker', 'cli', 'conversion', 'dashboard', 'extraction', 'ingest', 'instances', 'logging', 'protocol', 'samples', 'security', 'state-machines', 'storage', 'system'];
/** Single files compiled besides those folders: the benchmark's extraction child. */
export const EXTRA_ENTRIES = ['bench/pdf-child.ts'];
/** Written last by a successful build. */
export const STAMP = '.build-stamp';

/** Newest modification time (ms) among the compiled sources and package.json. */
export function newestSource(repo) {
  let newest = statSync(join(repo, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(repo, d))) walk(join(repo, d));
  for (const f of EXTRA_ENTRIES) newest = Math.max(newest, statSync(join(repo, f)).mtimeMs);
  return newest;
}

/** dist exists and its stamp is at least as new as every compiled source. */
export function distIsFresh(repo) {
  const stamp = join(repo, 'dist', STAMP);
  return existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(repo);
}
