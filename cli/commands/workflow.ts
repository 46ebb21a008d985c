import { defineCommand } from '../define-command.ts';
import { databaseOf, withBus, withDb } from '../options.ts';
import { printJson } from '../print.ts';
import { withQueries } from '../with-queries.ts';
import type { WorkflowStateSnapshot } from '../../protocol/index.ts';
import type { CommsQueries, WorkflowRecord } from '../../storage/index.ts';
import { controlFromFlags, sendControl } from './workflow-control.ts';

interface StepLine {
  stepId: string;
  state: string;
  module?: string | null;
  query?: string | null;
  conversationId?: string | null;
  attempts: number;
  error?: { code: string; message: string } | null;
}

function printSteps(header: string, steps: StepLine[]): void {
  process.stdout.write(`${header}\n`);
  for (const s of steps) {
    const error = s.error ? `  ${s.error.code}: ${s.error.message}` : '';
    process.stdout.write(`  ${s.stepId.padEnd(16)} ${s.state.padEnd(10)} ${(s.module ?? '-').padEnd(12)} ${(s.query ?? '').padEnd(28)} ${s.conversationId ?? '-'}${s.attempts > 1 ? `  attempts ${s.attempts}` : ''}${error}\n`);
  }
}

/** Steps in definition order; a step the recorder has no row for yet is pending. */
function stepsOf(definition: { steps?: Array<{ id: string; query: string }> } | null, known: StepLine[]): StepLine[] {
  const byId = new Map(known.map((s) => [s.stepId, s]));
  const ordered = (definition?.steps ?? []).map((d) => ({ ...(byId.get(d.id) ?? { stepId: d.id, state: 'pending', attempts: 0 }), query: d.query }));
  return [...ordered, ...known.filter((s) => !ordered.some((o) => o.stepId === s.stepId))];
}

/** The modifications recorded for the workflow (its `change` events). */
function changesOf(queries: CommsQueries, workflowId: string): Array<{ command: string; stepIds: string[]; by?: string; at: string }> {
  return queries
    .getConversationMessages(workflowId)
    .map((m) => ({ at: m.receivedAt, body: (m.payload as { body?: { type?: string; change?: { command: string; stepIds: string[]; by?: string } } } | null)?.body }))
    .filter((m) => m.body?.type === 'change' && m.body.change)
    .map((m) => ({ ...(m.body?.change as { command: string; stepIds: string[]; by?: string }), at: m.at }));
}

function showRecord(queries: CommsQueries, w: WorkflowRecord, json: boolean): void {
  const changes = changesOf(queries, w.id);
  if (json) return printJson({ ...w, changes });
  const header = `workflow ${w.id}  ${w.name ?? ''}  ${w.state}  started ${w.startedAt ?? '-'}${w.endedAt ? `  ended ${w.endedAt}` : ''}${w.error ? `\n  error ${w.error.code}: ${w.error.message}` : ''}`;
  printSteps(header, stepsOf(w.definition as { steps?: Array<{ id: string; query: string }> } | null, w.steps));
  for (const c of changes) process.stdout.write(`  change at ${c.at}: ${c.command} ${c.stepIds.join(', ')}${c.by ? ` by ${c.by}` : ''}\n`);
}

function showSnapshot(s: WorkflowStateSnapshot, json: boolean): void {
  if (json) return printJson(s);
  const known = Object.entries(s.steps).map(([stepId, st]) => ({ stepId, ...st }));
  printSteps(`workflow ${s.workflowId}  ${s.name}  ${s.state}`, stepsOf(s.definition, known));
}

export const workflowCommand = defineCommand(
  'workflow <id>',
  'show one workflow (steps, states, conversation ids, errors, changes); --pause/--resume/--cancel/--skip/--add-step change it',
  (y) =>
    withBus(withDb(y))
      .positional('id', { type: 'string', demandOption: true })
      .option('pause', { type: 'boolean', describe: 'pause it: running steps finish, no new step starts' })
      .option('resume', { type: 'boolean', describe: 'resume a paused workflow' })
      .option('cancel', { type: 'string', describe: 'cancel it (optional reason)' })
      .option('skip', { type: 'string', describe: 'skip a step not yet started (paused workflows only)' })
      .option('cascade', { type: 'boolean', describe: 'with --skip: skip the steps that depend on it too' })
      .option('add-step', { type: 'string', describe: 'add a step (JSON, as in a definition) to a paused workflow' }),
  async (argv) => {
    const control = controlFromFlags(argv.id, argv);
    if (control) return showSnapshot(await sendControl({ url: argv.url, username: argv.username, password: argv.password }, control), argv.json);
    await withQueries(databaseOf(argv), (queries) => showRecord(queries, queries.getWorkflow(argv.id), argv.json));
  },
);
