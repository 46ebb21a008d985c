import { defineCommand } from '../define-command.ts';
import { databaseOf, withDb } from '../options.ts';
import { formatStatus, printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

export const statusCommand = defineCommand(
  'status <id>',
  'show one conversation (state, progress, error, result)',
  (y) => withDb(y).positional('id', { type: 'string', demandOption: true }),
  (argv) =>
    withQueries(databaseOf(argv), (queries) => {
      const status = queries.getTaskStatus(argv.id);
      if (argv.json) printJson(status);
      else process.stdout.write(`${formatStatus(status)}\n`);
    }),
);
