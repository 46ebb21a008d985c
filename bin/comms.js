#!/usr/bin/env node
// Runs the compiled CLI in dist/ (built by `npm run build`, which `npm ci` runs as `prepare`).
// When dist is missing or older than any source file it runs the TypeScript through tsx instead,
// so an edited checkout never runs a stale build (and works without building at all).
import { fileURLToPath } from 'node:url';
import { distIsFresh } from '../scripts/build-sources.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
if (process.env.COMMS_RUN_SOURCE !== '1' && distIsFresh(repo)) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
