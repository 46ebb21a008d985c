import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Actor } from '../actors/runtime/index.ts';
import { queryPdfRequirements } from '../actors/flagship/index.ts';
import type { Logger } from '../logging/index.ts';
import { isFinalWorkflowState, newId } from '../protocol/index.ts';
import { runFlagship, waitUntilRecorded, waitUntilRecordedEnd, type RunningSystem } from '../system/index.ts';
import { formatStatus, progressBar } from './print.ts';
import { samplePath } from '../samples/index.ts';

/**
 * The PDF the demo converts when none is named: the project's generated sample article
 * (samples/make-sample-pdf.ts), written to <data>/samples/sample.pdf.
 */
export function defaultDemoPdf(system: Pick<RunningSystem, 'dbPath'>): Promise<string> {
  return samplePath('sample.pdf', join(dirname(system.dbPath), 'samples'));
}

/**
 * What `npm start` shows: a client asks arangodb for its PDF requirements and prints them, then
 * runs the `marker-to-arangodb` workflow template through the orchestrator (requirements, convert,
 * validate, compatibility, ingest) with live progress per step; finally what the recorder stored.
 */
export async function runDemo(system: RunningSystem, options: { pdf?: string; maxPages?: number; logger: Logger; credentials?: { username: string; password: string } }): Promise<void> {
  const pdf = options.pdf ?? (await defaultDemoPdf(system));
  if (!existsSync(pdf)) throw new Error(`demo PDF ${pdf} not found; pass one with --pdf FILE`);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const runStartedAt = new Date().toISOString();
  const client = new Actor({ name: 'client', clientId: `client-${newId()}`, url: system.broker.url, ...options.credentials, logger: options.logger.child({ module: 'client' }) });
  await client.start();
  try {
    out(`broker   ${system.broker.url}${system.broker.wsUrl ? `  (websocket ${system.broker.wsUrl})` : ''}`);
    out(`database ${system.dbPath}\n`);
    out('client -> arangodb  pdf.requirements.query@1');
    const requirements = await queryPdfRequirements(client, 'arangodb');
    out(`arangodb -> client  pdf.requirements@1: ${requirements.schemaId} v${requirements.version}`);
    out(`  block types: ${requirements.blockTypes.join(', ')}`);
    out(`  embedding:   ${requirements.embedding.model} (${requirements.embedding.dimensions} dims, ${requirements.embedding.metric})\n`);

    out(`client -> orchestrator  workflow.execute@1 template marker-to-arangodb, ${pdf}`);
    let lastLine = '';
    const run = await runFlagship({
      url: system.broker.url,
      dataDir: dirname(system.dbPath),
      ...(options.credentials ? { username: options.credentials.username, password: options.credentials.password } : {}),
      pdf,
      maxPages: options.maxPages,
      logger: options.logger,
      // A step is scheduled (running, no conversation yet) just before its request; the next line names the conversation.
      onStep: (e) => (e.stepState === 'pending' || (e.stepState === 'running' && !e.conversationId) ? undefined : out(`  step ${(e.stepId ?? '').padEnd(13)} ${(e.stepState ?? '').padEnd(9)}${e.module ? ` ${e.module}` : ''}${e.conversationId ? `  conversation ${e.conversationId}` : ''}`)),
      onProgress: (p) => {
        const line = `    ${progressBar(p.percent ?? 0)} ${p.stage ?? ''} ${p.note ?? ''}`;
        if (line !== lastLine && (p.note === undefined || !/page \d+\/\d+/.test(p.note) || (p.percent ?? 0) % 10 < 2)) out(line);
        lastLine = line;
      },
    });
    const { result } = run;
    out(`\norchestrator -> client  workflow.result@1: workflow ${run.workflowId} completed`);
    out(`  document:   ${result.document.title ?? '(untitled)'}, ${result.document.pageCount} pages, kind ${result.document.kind}`);
    out(`  structure:  ${result.counts.sections} sections, ${result.counts.blocks} blocks`);
    out(`  validation: ${result.validation.valid ? 'valid' : 'INVALID'} against ${result.validation.against}`);
    const compatibility = run.compatibility as { compatible?: boolean; method?: string; summary?: string } | undefined;
    if (compatibility) out(`  compatibility: ${compatibility.compatible ? 'compatible' : 'NOT compatible'} (${compatibility.method ?? '?'}): ${compatibility.summary ?? ''}`);
    for (const [collection, path] of Object.entries(result.ingest?.outputs ?? {})) out(`  ${collection.padEnd(10)} ${path}`);

    // The recorder's own read connection: the listing below then includes everything it committed.
    const queries = system.recorder.queries;
    await waitUntilRecordedEnd(system.recorder, run.conversationId);
    await waitUntilRecorded(system.recorder, () => isFinalWorkflowState(queries.getWorkflow(run.workflowId).state));
    out(`\nworkflow ${run.workflowId}: comms workflow ${run.workflowId} shows its steps`);
    // Only this run's: a data/ kept from earlier runs holds their conversations too (`comms conversations` lists all).
    out('\nrecorded conversations of this run:');
    for (const status of queries.listConversations({ limit: 100 }).filter((c) => c.startedAt >= runStartedAt)) out(`  ${formatStatus(status)}`);
    const stats = queries.getStats();
    out(`\n${stats.messages.total} messages recorded (${stats.messages.invalid} invalid), ${stats.deadLetters} dead letters`);
  } finally {
    await client.stop();
  }
}
