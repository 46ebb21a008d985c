import type { CommsQueries } from '../../storage/index.ts';
import { defineCommand } from '../define-command.ts';
import { withDb } from '../options.ts';
import { formatStatus, printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

type ConversationFilter = NonNullable<Parameters<CommsQueries['listConversations']>[0]>;

export const conversationsCommand = defineCommand(
  'conversations',
  'list recorded conversations',
  (y) => withDb(y).option('state', { type: 'string' }).option('module', { type: 'string' }).option('limit', { type: 'number', default: 50 }),
  (argv) =>
    withQueries(argv.db, (queries) => {
      // The database answers an unknown state with an empty list, so the flag is passed on unchecked.
      const list = queries.listConversations({ state: argv.state as ConversationFilter['state'], module: argv.module, limit: argv.limit });
      if (argv.json) printJson(list);
      else for (const s of list) process.stdout.write(`${formatStatus(s)}\n`);
    }),
);
