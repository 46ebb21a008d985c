import { defineCommand } from '../define-command.ts';
import { printJson } from '../print.ts';

/** Steps as `a -> b, c -> d`: each step after those it depends on. */
function chain(steps: ReadonlyArray<{ id: string; dependsOn?: string[] }>): string {
  return steps.map((s) => (s.dependsOn?.length ? `${s.id}(after ${s.dependsOn.join(', ')})` : s.id)).join(' -> ');
}

export const templatesCommand = defineCommand(
  'templates',
  'list the standard workflow templates (comms run TEMPLATE runs one)',
  (y) => y.option('json', { type: 'boolean', default: false, describe: 'print the templates (steps included) as JSON' }),
  async (argv) => {
    const { WORKFLOW_TEMPLATES } = await import('../../actors/orchestrator/index.ts');
    if (argv.json) return printJson(WORKFLOW_TEMPLATES);
    for (const t of WORKFLOW_TEMPLATES) {
      process.stdout.write(`${t.name.padEnd(20)} ${t.kind.padEnd(18)} ${t.description}\n`);
      process.stdout.write(`${''.padEnd(20)} steps:  ${chain(t.steps)}\n`);
      const params = Object.entries(t.params).map(([name, p]) => `${name}${p.required ? ' (required)' : ''}`);
      process.stdout.write(`${''.padEnd(20)} params: ${params.join(', ') || 'none'}\n`);
    }
  },
);
