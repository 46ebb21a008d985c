#!/usr/bin/env node
/**
 * Compiles the shipped TypeScript to JavaScript in dist/ (one .js file per source file, same
 * layout), so `comms`, `npm start` and the page workers run without tsx at run time. Run by
 * `npm run build`, by `npm ci`/`npm install` (the `prepare` script) and by the test suite's root
 * hook, so tests never run a stale dist. Plain JavaScript on purpose: it must run before anything
 * is compiled. esbuild only strips types (one file at a time); `npm run typecheck` checks them.
 *
 * Usage: node scripts/build.mjs [--check | --if-stale] [--quiet]
 *   --check     exit 1 when dist is missing or stale, build nothing
 *   --if-stale  build only when dist is missing or stale (the test suite's root hook)
 */
import { cpSync, existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SOURCE_DIRS, EXTRA_ENTRIES, STAMP, distIsFresh } from './build-sources.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'dist');
const quiet = process.argv.includes('--quiet');

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
function copyAssets(out) {
  const src = join(repo, 'dashboard');
  for (const name of readdirSync(src)) {
    if (!name.endsWith('.ts')) cpSync(join(src, name), join(out, 'dashboard', name));
  }
}

if (process.argv.includes('--check')) {
  const fresh = distIsFresh(repo);
  console.log(fresh ? 'dist is up to date' : 'dist is missing or older than the sources: run npm run build');
  process.exit(fresh ? 0 : 1);
}
if (process.argv.includes('--if-stale') && distIsFresh(repo)) process.exit(0);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // A production-only install has no esbuild: bin/comms.js then runs the TypeScript through tsx.
  console.log('build: esbuild is not installed (dev dependency); skipped, comms will run the TypeScript through tsx');
  process.exit(0);
}

const started = performance.now();
const files = entries();
// Build beside dist and swap it in, so a process reading dist never sees a half-written tree.
const next = `${dist}.next-${process.pid}`;
rmSync(next, { recursive: true, force: true });
await esbuild.build({
  entryPoints: files,
  outdir: next,
  outbase: repo,
  bundle: true,
  plugins: [keepModules],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'error',
});
copyAssets(next);
writeFileSync(join(next, STAMP), `${new Date().toISOString()}\n`);
const old = `${dist}.old-${process.pid}`;
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(old, { recursive: true, force: true });
if (!quiet) {
  console.log(`build: ${files.length} files -> ${relative(repo, dist)}/ in ${Math.round(performance.now() - started)} ms`);
}
