/**
 * `npm run eval:corpus [-- --corpus DIR] [mocha options]`: the extraction and ingest tests that need
 * real-world PDFs, run by mocha over eval/corpus/*.test.ts. The corpus is --corpus DIR, else
 * COMMS_CORPUS, else ../shared/corpus beside the repository if it exists; otherwise this stops with
 * an error naming COMMS_CORPUS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const args = process.argv.slice(2);
let corpus = process.env.COMMS_CORPUS;
const at = args.findIndex((a) => a === '--corpus' || a.startsWith('--corpus='));
if (at >= 0) {
  const arg = args[at]!;
  corpus = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1];
  args.splice(at, arg.includes('=') ? 1 : 2);
  if (!corpus) {
    console.error('eval:corpus: --corpus needs a directory');
    process.exit(2);
  }
}
if (!corpus) {
  const beside = resolve(repo, '..', 'shared', 'corpus');
  if (existsSync(beside)) corpus = beside;
}
if (!corpus) {
  console.error('eval:corpus: no corpus. Set COMMS_CORPUS=DIR or pass --corpus DIR (a folder of PDFs with MANIFEST.tsv); ../shared/corpus does not exist.');
  process.exit(2);
}
corpus = resolve(corpus);
if (!existsSync(resolve(corpus, 'MANIFEST.tsv'))) {
  console.error(`eval:corpus: ${corpus} has no MANIFEST.tsv; set COMMS_CORPUS or --corpus to the PDF corpus.`);
  process.exit(2);
}

const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const child = spawn(
  process.execPath,
  [mocha, '--no-config', '--node-option', 'import=tsx', '--require', 'test/support/quiet-logs.ts', '--timeout', '600000', '--exit', ...args, 'eval/corpus/**/*.test.ts'],
  { cwd: repo, stdio: 'inherit', env: { ...process.env, COMMS_CORPUS: corpus } },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
