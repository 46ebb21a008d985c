import { join, resolve } from 'node:path';
import { createLogger } from '../../logging/index.ts';
import { CommsError, type ProgressReport, type WorkflowEvent, type WorkflowResult } from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { resolveDataDir } from '../data-dir.ts';
import { oneOf, positiveInteger } from '../flag-values.ts';
import { withData } from '../options.ts';
import { printJson, printProgress } from '../print.ts';

/** One line on stderr per step transition, so stdout stays the JSON answer. */
function printStep(e: WorkflowEvent): void {
  // A step is scheduled (running, no conversation yet) just before its request: the next line says more.
  if (e.stepState === 'pending' || (e.stepState === 'running' && !e.conversationId)) return;
  const where = `${e.module ? ` on ${e.module}` : ''}${e.conversationId ? ` (conversation ${e.conversationId})` : ''}`;
  process.stderr.write(`step ${e.stepId ?? ''} ${e.stepState ?? ''}${where}${e.error ? ` ${e.error.code}: ${e.error.message}` : ''}\n`);
}

/** `--param NAME=VALUE`: the value is JSON when it parses as JSON (numbers, arrays), else the text. */
function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CommsError('E_USAGE', `--param ${JSON.stringify(pair)} is not NAME=VALUE`, { hint: `for example --param 'fields=["metadata.title"]'` });
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // plain text
    }
    params[pair.slice(0, eq)] = value;
  }
  return params;
}

/** A workflow that did not complete makes the command fail too, after printing its steps. */
function failureOf(workflow: WorkflowResult): CommsError | undefined {
  if (workflow.state === 'completed') return undefined;
  return new CommsError(workflow.error?.code ?? 'E_CANCELED', `workflow ${workflow.workflowId} ended ${workflow.state}${workflow.error ? `: ${workflow.error.message}` : ''}`, {
    hint: `comms workflow ${workflow.workflowId} shows every step`,
  });
}

export const runCommand = defineCommand(
  'run <template>',
  'run a workflow template (comms templates) through the orchestrator, recorded; marker-to-arangodb is the flagship',
  (y) =>
    withData(y)
      .positional('template', { type: 'string', demandOption: true, describe: 'a name from `comms templates`' })
      .option('pdf', { type: 'string', describe: "PDF file (its folder becomes one of marker's input folders when the system starts here) or http(s) URL" })
      .option('param', { type: 'string', array: true, default: [] as string[], describe: "template param NAME=VALUE (JSON or text), e.g. 'fields=[\"metadata.title\"]'" })
      .option('inline', { type: 'boolean', default: false, describe: "send the PDF's bytes instead of its path (small PDFs: the workflow request is limited to 64 KiB strings)" })
      .option('pdf-password', { type: 'string', describe: 'password of an encrypted PDF (--password is the MQTT password)' })
      .option('out', { type: 'string', describe: 'JSONL output folder; default ingest/ in the data folder' })
      .option('max-pages', { coerce: positiveInteger('--max-pages') })
      .option('url', { type: 'string', describe: 'use a running system; without it an embedded broker, the recorder and the modules start here' })
      .option('username', { type: 'string', default: process.env.COMMS_USERNAME })
      .option('password', { type: 'string', default: process.env.COMMS_PASSWORD }),
  async (argv) => {
    // The workflow layer loads only for a command that runs one, so the template name is checked here, not by yargs.
    const { WORKFLOW_TEMPLATES } = await import('../../actors/orchestrator/index.ts');
    const { isPdfUrl } = await import('../../actors/flagship/index.ts');
    const { runFlagship, runTemplate } = await import('../../system/index.ts');
    const name = oneOf('template', WORKFLOW_TEMPLATES.map((t) => t.name))(argv.template);
    const template = WORKFLOW_TEMPLATES.find((t) => t.name === name);
    if (!template) throw new CommsError('E_USAGE', `no template ${argv.template}`);
    const needsPdf = 'path' in template.params;
    if (needsPdf && !argv.pdf) throw new CommsError('E_USAGE', `template ${template.name} converts a PDF: pass --pdf FILE`, { hint: `comms run ${template.name} --pdf samples/sample.pdf` });
    if (!needsPdf && argv.pdf) throw new CommsError('E_USAGE', `template ${template.name} takes no PDF; its params: ${Object.keys(template.params).join(', ') || 'none'}`, { hint: 'pass them with --param NAME=VALUE' });
    // Without --url the run is recorded in DATA/comms.db, where `comms workflow` looks by default.
    const data = resolveDataDir(argv.data).path;
    const common = {
      url: argv.url,
      username: argv.username,
      password: argv.password,
      dataDir: data,
      outDir: argv.out ?? join(data, 'ingest'),
      logger: createLogger('workflow', process.env.COMMS_LOG_LEVEL ?? 'warn'),
      onStep: printStep,
      onProgress: (p: ProgressReport, step: string) => printProgress({ ...p, stage: `${step}: ${p.stage ?? ''}` }),
    };
    if (template.name === 'marker-to-arangodb' && argv.param.length === 0) {
      const pdf = argv.pdf as string;
      const run = await runFlagship({ ...common, pdf: isPdfUrl(pdf) ? pdf : resolve(pdf), inline: argv.inline, pdfPassword: argv.pdfPassword, maxPages: argv.maxPages });
      printJson({ workflowId: run.workflowId, conversationId: run.conversationId, ...run.result, compatibility: run.compatibility });
      return;
    }
    const params = { ...parseParams(argv.param), ...(argv.maxPages !== undefined ? { maxPages: argv.maxPages } : {}), ...(argv.pdfPassword !== undefined ? { password: argv.pdfPassword } : {}) };
    if (argv.pdf) Object.assign(params, isPdfUrl(argv.pdf) ? { url: argv.pdf } : { path: resolve(argv.pdf) });
    const roots = argv.pdf && !isPdfUrl(argv.pdf) ? [resolve(argv.pdf, '..')] : [];
    const run = await runTemplate({ ...common, template: template.name, params, inputRoots: roots });
    printJson({ conversationId: run.conversationId, ...run.workflow });
    const failure = failureOf(run.workflow);
    if (failure) throw failure;
  },
);
