// Child processes the tests start (`comms` via bin/comms.js, page workers) run the compiled code in
// dist/; building it here, before any test, means a test never runs JavaScript older than the
// sources. Only a stale or missing dist is rebuilt (about a second; a fresh one costs a few stats).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
execFileSync(process.execPath, ['scripts/build.mjs', '--if-stale', '--quiet'], { cwd: repo, stdio: 'inherit' });
