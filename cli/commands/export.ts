import { writeFileSync } from 'node:fs';
import type { CommsQueries } from '../../storage/index.ts';
import { defineCommand } from '../define-command.ts';
import { databaseOf, withDb } from '../options.ts';
import { withQueries } from '../with-queries.ts';

/** Every recorded message as JSONL, read page by page so a large database is never one query. */
function allMessagesJsonl(queries: CommsQueries): string {
  const lines: string[] = [];
  for (let after = 0, page = queries.listMessages({ afterSeq: 0 }); page.length > 0; page = queries.listMessages({ afterSeq: after })) {
    for (const m of page) lines.push(JSON.stringify(m));
    after = page.at(-1)?.seq ?? after;
  }
  return lines.map((l) => `${l}\n`).join('');
}

export const exportCommand = defineCommand(
  'export [id]',
  'export one conversation (JSON) or every message (JSONL)',
  (y) => withDb(y).positional('id', { type: 'string' }).option('out', { type: 'string', describe: 'file to write; default stdout' }),
  (argv) =>
    withQueries(databaseOf(argv), (queries) => {
      const text = argv.id ? `${JSON.stringify(queries.exportConversation(argv.id), null, 2)}\n` : allMessagesJsonl(queries);
      if (argv.out) writeFileSync(argv.out, text);
      else process.stdout.write(text);
    }),
);
