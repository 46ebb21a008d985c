import { dirname, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isPdfUrl, type RunMarkerToArangodbOptions } from '../actors/flagship/index.ts';
import { CommsError, type ProgressReport, type WorkflowEvent, type WorkflowResult } from '../protocol/index.ts';
import type { DocumentIngestResult, PdfConvertResult } from '../protocol/pdf/index.ts';
import { runTemplate, type RunTemplateOptions } from './run-flagship-template.ts';
import type { WithSystemOptions } from './with-system.ts';

/** The PDF options are the flagship client's (actors/flagship); the rest picks the system and follows the run. */
export interface RunFlagshipOptions extends WithSystemOptions, Pick<RunMarkerToArangodbOptions, 'pdf' | 'inline' | 'pdfPassword' | 'maxPages' | 'timeoutMs'> {
  /** false: run `compatibility-check` (everything but the ingest) instead of `marker-to-arangodb`. */
  ingest?: boolean;
  onProgress?: (report: ProgressReport, stepId: string) => void;
  onStep?: (event: WorkflowEvent) => void;
  logger?: RunTemplateOptions['logger'];
}

export interface RunFlagshipResult {
  url: string;
  workflowId: string;
  /** The workflow.execute@1 conversation with the orchestrator. */
  conversationId: string;
  /** marker's conversion summary, with arangodb's validation report and ingest result. */
  result: PdfConvertResult;
  /** The compatibility step's answer (the advisor's findings). */
  compatibility?: unknown;
  workflow: WorkflowResult;
  /** The database the run was recorded in, when the system was started for it. */
  dbPath?: string;
}

/**
 * The flagship end to end as the `marker-to-arangodb` workflow template (requirements -> convert ->
 * validate -> compatibility -> ingest), executed by the orchestrator and recorded: on the system at
 * `url`, or on one started for this run. Rejects with the failed step's CommsError (E_PDF_PASSWORD,
 * E_DOCUMENT_INVALID, ...) whose details name the workflow.
 */
export async function runFlagship(options: RunFlagshipOptions): Promise<RunFlagshipResult> {
  const { pdf, inline, pdfPassword, maxPages, ingest, inputRoots, ...rest } = options;
  // A system started for this run lets marker read the PDF's own folder (a running one has its own --inputs).
  const roots = [...(inputRoots ?? []), ...(isPdfUrl(pdf) || inline ? [] : [dirname(resolve(pdf))])];
  const params = {
    ...(await pdfSource(pdf, inline === true)),
    ...(pdfPassword !== undefined ? { password: pdfPassword } : {}),
    ...(maxPages !== undefined ? { maxPages } : {}),
  };
  const template = ingest === false ? 'compatibility-check' : 'marker-to-arangodb';
  const run = await runTemplate({ ...rest, inputRoots: roots, template, params });
  const { workflow } = run;
  if (workflow.state !== 'completed') throw stepFailure(workflow);
  const output = <T>(step: string) => workflow.steps[step]?.output as T;
  const { converted: _document, ...convert } = output<PdfConvertResult>('convert');
  const validation = output<PdfConvertResult['validation'] | undefined>('validate');
  const ingested = output<DocumentIngestResult | undefined>('ingest');
  return {
    url: run.url,
    workflowId: run.workflowId,
    conversationId: run.conversationId,
    result: { ...convert, ...(validation ? { validation } : {}), ...(ingested ? { ingest: ingested } : {}) },
    compatibility: workflow.steps['compatibility']?.output,
    workflow,
    ...(run.dbPath ? { dbPath: run.dbPath } : {}),
  };
}

/** The failed step's own error (with its details, e.g. E_DOCUMENT_INVALID's errors), naming the workflow. */
function stepFailure(workflow: WorkflowResult): CommsError {
  const failed = Object.entries(workflow.steps).find(([, s]) => s.state === 'failed');
  const error = failed?.[1].error ?? workflow.error ?? { code: 'E_CANCELED' as const, message: `workflow ${workflow.workflowId} ended ${workflow.state}` };
  const details = typeof error.details === 'object' && error.details !== null ? error.details : {};
  return new CommsError(error.code, `${failed ? `step ${failed[0]} of ` : ''}workflow ${workflow.workflowId} ${workflow.state}: ${error.message}`, {
    ...details,
    workflowId: workflow.workflowId,
    hint: `comms workflow ${workflow.workflowId} shows every step`,
  });
}

/** How the convert step names the PDF: url, inline bytes, or a path marker checks against its input folders. */
async function pdfSource(pdf: string, inline: boolean): Promise<Record<string, string>> {
  if (isPdfUrl(pdf)) return { url: pdf };
  if (inline) return { content: (await readFile(pdf)).toString('base64'), filename: basename(pdf) };
  return { path: resolve(pdf) };
}
