/**
 * `npm run report [-- --short] [--corpus DIR] [--only demo,bench-rpc] [--out DIR]`: runs the demo, the
 * benchmarks, the extraction eval, the fault tests and the test suites of each capability, and writes
 * docs/reports/<capability>.md beside docs/reports/runs/<capability>.json (docs/reports.md).
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { generateReports } from './generate.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    corpus: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (args.help) {
  console.log('usage: npm run report -- [--short] [--corpus DIR] [--only STEP,...] [--out DIR]   (default out: docs/reports)');
  process.exit(0);
}

const corpus = args.corpus ?? process.env['COMMS_CORPUS'];
try {
  const records = await generateReports({
    repo,
    outDir: resolve(args.out ?? resolve(repo, 'docs', 'reports')),
    short: args.short,
    ...(corpus ? { corpus } : {}),
    ...(args.only ? { only: args.only.split(',').map((s) => s.trim()) } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const failed = records.flatMap((r) => r.steps).filter((s) => s.skipped === undefined && s.exitCode !== 0);
  for (const r of records) console.log(`wrote ${r.capability}.md and runs/${r.capability}.json (${r.steps.length} run(s))`);
  if (failed.length > 0) console.log(`steps that failed (their reports say so): ${[...new Set(failed.map((s) => s.id))].join(', ')}`);
  process.exitCode = failed.length > 0 ? 1 : 0;
} catch (err) {
  console.error(`report: ${(err as Error).message}`);
  process.exitCode = 2;
}
