import { defineCommand } from '../define-command.ts';
import { positiveInteger } from '../flag-values.ts';
import { databaseOf, withDb } from '../options.ts';
import { printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

export const workflowsCommand = defineCommand(
  'workflows',
  'list recorded workflows: id, template, state, steps done/total, started',
  (y) =>
    withDb(y)
      .option('state', { type: 'string', describe: 'only workflows in this state (running, paused, completed, failed, canceled)' })
      .option('limit', { default: 50, coerce: positiveInteger('--limit') }),
  (argv) =>
    withQueries(databaseOf(argv), (queries) => {
      const workflows = queries.listWorkflows({ ...(argv.state ? { state: argv.state } : {}), limit: argv.limit });
      if (argv.json) return printJson(workflows.map(({ definition: _d, steps, ...w }) => ({ ...w, steps: steps.map(({ output: _o, ...s }) => s) })));
      if (workflows.length === 0) process.stdout.write('no workflows recorded\n');
      for (const w of workflows) {
        const total = Math.max(w.steps.length, (w.definition as { steps?: unknown[] } | null)?.steps?.length ?? 0);
        const done = w.steps.filter((s) => s.state === 'completed' || s.state === 'skipped').length;
        process.stdout.write(`${w.id}  ${(w.name ?? '?').padEnd(20)} ${w.state.padEnd(10)} ${`${done}/${total}`.padStart(5)} steps  started ${w.startedAt ?? '-'}\n`);
      }
    }),
);
