/**
 * What `scripts/build.mjs` compiles, and the staleness test shared by the build and bin/comms.js:
 * dist is stale when any file under these folders (or package.json, tsconfig.json) is newer than dist's stamp.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folders of tsconfig.json's `include` that hold no shipped code (tests, measurements, examples). */
const NOT_SHIPPED = new Set(['test', 'bench', 'eval', 'examples', 'docs', 'scripts']);

/**
 * Folders whose code runs in the shipped system: every folder tsconfig.json type-checks, minus
 * tests and tools, so a new top-level folder is compiled without touching this file.
 */
export const SOURCE_DIRS = (JSON.parse(readFileSync(fileURLToPath(new URL('../tsconfig.json', import.meta.url)), 'utf8')).include ?? []).filter(
  (d) => !NOT_SHIPPED.has(d),
);
/**
 * Single files compiled besides those folders: the benchmarks' child processes (extraction; requester and
 * responder of bench section 3), which run compiled as the shipped code does.
 */
export const EXTRA_ENTRIES = ['bench/pdf-child.ts', 'bench/bus/ask-child.ts', 'bench/bus/echo.ts', 'bench/bus/support.ts'];
/** Written last by a successful build. */
export const STAMP = '.build-stamp';

/** Newest modification time (ms) among the compiled sources and package.json. */
export function newestSource(repo) {
  let newest = Math.max(statSync(join(repo, 'package.json')).mtimeMs, statSync(join(repo, 'tsconfig.json')).mtimeMs);
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
