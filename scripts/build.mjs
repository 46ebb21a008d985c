#!/usr/bin/env node
/**
 * Compiles the shipped TypeScript to JavaScript in dist/ (one .js file per source file, same
 * layout), so `comms`, `npm start` and the page workers run without tsx at run time. Run by
 * `npm run build`, by `npm ci`/`npm install` (the `prepare` script) and by the test suite's root
 * hook, so tests never run a stale dist. Plain JavaScript on purpose: it must run before anything
 * is compiled. esbuild only strips types (one file at a time); `npm run typecheck` checks them.
 *
 * Usage: node scripts/build.mjs [--check]   (--check: exit 1 when dist is missing or stale, build nothing)
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { SOURCE_DIRS, EXTRA_ENTRIES, STAMP, newestSource } from './build-sources.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'dist');

/** Every .ts file under the shipped folders (tests and type-only declaration files left out). */
function entries() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts')) out.push(p);
    }
  };
  for (const d of SOURCE_DIRS) if (existsSync(join(repo, d))) walk(join(repo, d));
  return [...out, ...EXTRA_ENTRIES.map((f) => join(repo, f))];
}

/**
 * Relative imports stay separate modules (no bundling: files such as the dashboard find their
 * assets and the page worker beside themselves); only their `.ts` suffix becomes `.js`.
 * Packages stay external and resolve from node_modules as before.
 */
const keepModules = {
  name: 'keep-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      if (args.path.startsWith('.')) return { path: args.path.replace(/\.ts$/, '.js'), external: true };
      return { path: args.path, external: true };
    });
  },
};

/** Non-TypeScript files a compiled module reads beside itself (the dashboard's page and scripts). */
function copyAssets() {
  const src = join(repo, 'dashboard');
  for (const name of readdirSync(src)) {
    if (!name.endsWith('.ts')) cpSync(join(src, name), join(dist, 'dashboard', name));
  }
}

if (process.argv.includes('--check')) {
  const stamp = join(dist, STAMP);
  const fresh = existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource(repo);
  console.log(fresh ? 'dist is up to date' : 'dist is missing or older than the sources: run npm run build');
  process.exit(fresh ? 0 : 1);
}

const started = performance.now();
const files = entries();
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: files,
  outdir: dist,
  outbase: repo,
  bundle: true,
  plugins: [keepModules],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'error',
});
copyAssets();
mkdirSync(dirname(join(dist, STAMP)), { recursive: true });
writeFileSync(join(dist, STAMP), `${new Date().toISOString()}\n`);
if (!process.argv.includes('--quiet')) {
  console.log(`build: ${files.length} files -> ${relative(repo, dist)}/ in ${Math.round(performance.now() - started)} ms`);
}
