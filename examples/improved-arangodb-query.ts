/**
 * The flagship, runnable: the `marker-to-arangodb` workflow template run by the orchestrator —
 * arangodb says what it ingests, marker converts a real PDF to that format, arangodb validates it,
 * the advisor checks compatibility, arangodb ingests it (docs/flagship.md, docs/workflows.md).
 *
 *   npx tsx examples/improved-arangodb-query.ts --pdf FILE [--pdf-password P] [--out DIR] [--data DIR] [--url mqtt://...]
 *
 * Without --url the system (embedded broker on an ephemeral port, recorder, modules) starts here
 * through system/, and the run is recorded in DIR/comms.db (`comms workflow <id> --data DIR`).
 * With ARANGO_URL set, arangodb also imports into that database; JSONL files are always written
 * under --out (default DATA/ingest, where `comms run` writes). The flags are the CLI's: --pdf-password
 * opens an encrypted PDF, --username/--password are the MQTT login for --url.
 */
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createLogger } from '../logging/index.ts';
import { CommsError } from '../protocol/index.ts';
import { runFlagship } from '../system/index.ts';
import { resolveDataDir } from '../cli/index.ts';

const argv = await yargs(hideBin(process.argv))
  .scriptName('improved-arangodb-query')
  .usage('$0 --pdf FILE [--pdf-password P] [--out DIR] [--data DIR] [--url mqtt://host:port]')
  .option('pdf', { type: 'string', demandOption: true, describe: 'PDF file to convert and ingest' })
  .option('pdf-password', { type: 'string', describe: 'user password of an encrypted PDF' })
  .option('out', { type: 'string', describe: 'JSONL output folder (default: ingest/ in the data folder, as `comms run`)' })
  .option('url', { type: 'string', describe: 'MQTT broker URL of a running system; default: start one here' })
  .option('username', { type: 'string', default: process.env.COMMS_USERNAME, describe: 'MQTT username (with --url)' })
  .option('password', { type: 'string', default: process.env.COMMS_PASSWORD, describe: 'MQTT password (with --url); the PDF password is --pdf-password' })
  .option('data', { type: 'string', describe: 'data folder (recorder database, ingest output); default as the CLI: $COMMS_DATA, else the checkout\'s data/' })
  .option('max-pages', { type: 'number', describe: 'extract only the first N pages' })
  .option('ingest', { type: 'boolean', default: true, describe: 'send the document to arangodb; --no-ingest stops after validation' })
  .strict()
  .help()
  .parseAsync();

const logger = createLogger('example', process.env.COMMS_LOG_LEVEL ?? 'warn');
const started = Date.now();
const data = resolveDataDir(argv.data).path;
const out = resolve(argv.out ?? join(data, 'ingest'));

try {
  const { url, workflowId, conversationId, result, compatibility, dbPath } = await runFlagship({
    ...(argv.url ? { url: argv.url } : {}),
    dataDir: data,
    ...(argv.username !== undefined ? { username: argv.username } : {}),
    ...(argv.password !== undefined ? { password: argv.password } : {}),
    pdf: resolve(argv.pdf),
    ...(argv.pdfPassword !== undefined ? { pdfPassword: argv.pdfPassword } : {}),
    ...(argv.maxPages !== undefined ? { maxPages: argv.maxPages } : {}),
    ...(argv.ingest ? {} : { ingest: false }),
    outDir: out,
    logger,
    onStep: (e) => console.log(`[${elapsed()}] step ${(e.stepId ?? '').padEnd(13)} ${e.stepState}${e.module ? ` on ${e.module}` : ''}${e.conversationId ? ` (conversation ${e.conversationId})` : ''}${e.error ? ` ${e.error.code}: ${e.error.message}` : ''}`),
    onProgress: (p, step) => console.log(`[${elapsed()}]   ${step.padEnd(11)} ${String(p.percent ?? '').padStart(5)}%  ${(p.stage ?? '').padEnd(12)} ${p.note ?? ''}`),
  });

  const r = result.requirements;
  console.log(`\nbroker ${url}, workflow ${workflowId} (marker-to-arangodb), conversation ${conversationId}${dbPath ? `, recorded in ${dbPath}` : ''}`);
  console.log(`  comms workflow ${workflowId}${argv.data ? ` --data ${argv.data}` : ''}   shows every step and its conversation`);
  console.log('\nrequirements (from arangodb, pdf.requirements@1)');
  console.log(`  schema      ${r.schemaId} version ${r.version}`);
  console.log(`  block types ${r.blockTypes.join(', ')}`);
  console.log(`  embedding   ${r.embedding.model} (${r.embedding.dimensions} dims, ${r.embedding.metric}, normalize=${r.embedding.normalize}) on ${r.embedding.fields.join(', ')} -> ${r.embedding.attribute}, computed by ${r.embedding.computedBy}`);
  console.log('\nvalidation');
  console.log(`  ${result.validation.valid ? 'valid' : 'INVALID'} against ${result.validation.against}${result.validation.errors.length ? `, ${result.validation.errors.length} error(s)` : ''}`);
  for (const e of result.validation.errors.slice(0, 10)) console.log(`  ${e.path}: ${e.message} — ${e.hint}`);
  const c = compatibility as { compatible?: boolean; method?: string; backend?: string; summary?: string; findings?: Array<{ field: string; status: string; message: string }> } | undefined;
  if (c) {
    console.log(`\ncompatibility (the advisor, pdf.compatibility.check@1)\n  ${c.compatible ? 'compatible' : 'NOT compatible'} (${c.method}, backend ${c.backend}): ${c.summary}`);
    for (const f of (c.findings ?? []).filter((x) => x.status !== 'ok').slice(0, 10)) console.log(`  ${f.status} ${f.field}: ${f.message}`);
  }
  console.log('\ndocument');
  console.log(`  ${result.document.title ?? '(untitled)'} [${result.document.kind}], ${result.document.pagesExtracted}/${result.document.pageCount} pages, ${result.counts.sections} sections, ${result.counts.blocks} blocks`);
  console.log(`  blocks by type: ${Object.entries(result.counts.blocksByType).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (result.ingest) {
    const i = result.ingest;
    console.log(`\ningested as ${i.documentKey}${i.arango.written ? ` (also into ArangoDB ${i.arango.url} / ${i.arango.database})` : ''}`);
    for (const [name, path] of Object.entries(i.outputs)) {
      console.log(`  ${name.padEnd(10)} ${String(i.counts[name as keyof typeof i.counts] ?? '').padStart(6)}  ${path}`);
    }
    for (const w of i.warnings ?? []) console.log(`  warning: ${w}`);
  }
  console.log(`\ntimings ms: ${Object.entries(result.timingsMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
} catch (err) {
  const e = err instanceof CommsError ? err : new CommsError('E_HANDLER_FAILED', String(err));
  console.error(`\nfailed: ${e.code}: ${e.message}`);
  const errors = (e.details as { errors?: Array<{ path: string; message: string; hint: string }> } | undefined)?.errors;
  for (const x of errors?.slice(0, 20) ?? []) console.error(`  ${x.path}: ${x.message} — ${x.hint}`);
  process.exitCode = 1;
}

function elapsed(): string {
  return `${((Date.now() - started) / 1000).toFixed(2)}s`;
}
