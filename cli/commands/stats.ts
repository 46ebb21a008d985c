import type { CommsQueries } from '../../storage/index.ts';
import { defineCommand } from '../define-command.ts';
import { databaseOf, withDb } from '../options.ts';
import { printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';

type Stats = ReturnType<CommsQueries['getStats']>;

const counts = (byKey: Record<string, number>) =>
  Object.entries(byKey)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

function formatStats(stats: Stats): string {
  const mean = stats.conversations.meanDurationMs === null ? '-' : `${Math.round(stats.conversations.meanDurationMs)} ms`;
  return [
    `messages      ${stats.messages.total} (${stats.messages.invalid} invalid, ${stats.messages.bytes} bytes): ${counts(stats.messages.byKind)}`,
    `conversations ${stats.conversations.total} (mean duration ${mean}): ${counts(stats.conversations.byState)}`,
    `dead letters  ${stats.deadLetters}`,
    `modules       ${stats.modules.map((m) => `${m.name} ${m.status}`).join(', ') || 'none'}`,
  ].join('\n');
}

export const statsCommand = defineCommand(
  'stats',
  'message, conversation and module statistics',
  (y) => withDb(y),
  (argv) =>
    withQueries(databaseOf(argv), (queries) => {
      const stats = queries.getStats();
      if (argv.json) printJson(stats);
      else process.stdout.write(`${formatStats(stats)}\n`);
    }),
);
