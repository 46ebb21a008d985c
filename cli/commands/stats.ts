import { defineCommand } from '../define-command.ts';
import { withDb } from '../options.ts';
import { printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

export const statsCommand = defineCommand(
  'stats',
  'message, conversation and module statistics',
  (y) => withDb(y),
  (argv) => withQueries(argv.db, (queries) => printJson(queries.getStats())),
);
