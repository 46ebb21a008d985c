import { ConversationStateName } from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { oneOf, positiveInteger } from '../flag-values.ts';
import { databaseOf, withDb } from '../options.ts';
import { formatStatus, printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

/** Every conversation state, from the protocol's own list, so `--state` accepts exactly those. */
export const CONVERSATION_STATES = ConversationStateName.anyOf.map((literal) => literal.const);

export const conversationsCommand = defineCommand(
  'conversations',
  'list recorded conversations',
  (y) =>
    withDb(y)
      .option('state', { type: 'string', choices: CONVERSATION_STATES, coerce: oneOf('--state', CONVERSATION_STATES) })
      .option('module', { type: 'string', describe: 'only conversations this module requested or answered' })
      .option('limit', { default: 50, coerce: positiveInteger('--limit') }),
  (argv) =>
    withQueries(databaseOf(argv), (queries) => {
      const list = queries.listConversations({ state: argv.state, module: argv.module, limit: argv.limit });
      if (argv.json) printJson(list);
      else for (const s of list) process.stdout.write(`${formatStatus(s)}\n`);
    }),
);
