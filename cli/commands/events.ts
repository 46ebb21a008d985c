import { defineCommand } from '../define-command.ts';
import { databaseOf, withDb } from '../options.ts';
import { printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

export const eventsCommand = defineCommand(
  'events <id>',
  "print a conversation's events after a seq",
  (y) => withDb(y).positional('id', { type: 'string', demandOption: true }).option('after', { type: 'number', default: 0 }),
  (argv) =>
    withQueries(databaseOf(argv), (queries) => {
      // An unknown id is E_NOT_FOUND, not an empty list that looks like "no events yet".
      queries.getTaskStatus(argv.id);
      const events = queries.getConversationEvents(argv.id, argv.after);
      if (argv.json) printJson(events);
      else
        for (const e of events) {
          const stage = e.event.progress?.stage ? ` ${e.event.progress.stage}` : '';
          const percent = e.event.progress?.percent !== undefined ? ` ${e.event.progress.percent}%` : '';
          process.stdout.write(`${String(e.seq).padStart(4)} ${e.at} ${e.event.type.padEnd(8)} ${e.event.state}${stage}${percent} attempt ${e.event.attempt}\n`);
        }
    }),
);
