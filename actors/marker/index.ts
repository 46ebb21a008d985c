import { Actor, connectionOptions, defineQuery, type HandlerContext, type ModuleConnectionOptions } from '../runtime/index.ts';
import { extractPdf } from '../../extraction/index.ts';
import { CommsError, type ProgressReport } from '../../protocol/index.ts';
import { convertToRequiredFormat } from '../../conversion/index.ts';
import {
  DOCUMENT_INGEST_SCHEMA_ID,
  PDF_REQUIREMENTS_MAJOR,
  PDF_REQUIREMENTS_QUERY_SCHEMA_ID,
  validatePdfFormat,
  type DocumentIngestResult,
  type PdfRequirements,
  type PdfRequirementsQuery,
} from '../../protocol/pdf/index.ts';
import { PdfConvert, PdfConvertResult, PDF_CONVERT_MAX_BODY_BYTES, PDF_CONVERT_RESULT_SCHEMA_ID, PDF_CONVERT_SCHEMA_ID } from '../../protocol/pdf/index.ts';
import { DEFAULT_MAX_PDF_BYTES, InputRoots } from './input-roots.ts';
import { readPdfSource } from './pdf-source.ts';

export interface MarkerActorOptions extends ModuleConnectionOptions {
  /** Module asked when a request names none. Default `arangodb`. */
  defaultTarget?: string;
  /** Time allowed to the requirements query. Default 30 s. */
  requirementsTimeoutMs?: number;
  /** Time allowed to document.ingest@1. Default 5 min. */
  ingestTimeoutMs?: number;
  /** Each progress report extends the requester's deadline to at least now + this. Default 60 s. */
  progressGraceMs?: number;
  /**
   * Folders whose files a request may name by `path` (symlinks resolved; docs/security.md, File
   * access by policy). Default none: only `content` and `url`. `comms up` passes DATA/inputs, each
   * `--inputs DIR`, and the folder of `--pdf`.
   */
  inputRoots?: readonly string[];
  /** Largest PDF read from a file or fetched from a URL. Default 256 MiB. */
  maxPdfBytes?: number;
  /** Time allowed to fetch a `url`. Default 60 s. */
  urlTimeoutMs?: number;
}

/** Percent ranges per stage; progress only moves forward. */
const STAGES = { requirements: [1, 5], extract: [5, 80], validate: [80, 85], ingest: [85, 99] } as const;

/**
 * The `marker` module: answers `pdf.convert@1` by asking the target module (arangodb) for its
 * `pdf.requirements@1`, extracting the PDF with pdf.js, converting and validating it against those
 * requirements, and sending the result to the target as `document.ingest@1` (docs/architecture.md, The flagship: marker asks arangodb).
 */
export function createMarkerActor(options: MarkerActorOptions): Actor {
  const actor = new Actor({
    name: 'marker',
    ...connectionOptions(options),
    description: 'Converts PDFs (pdf.js) into the document format a receiving module requires, validates, and sends them for ingestion.',
  });
  const grace = options.progressGraceMs ?? 60_000;
  const roots = new InputRoots(options.inputRoots ?? [], options.maxPdfBytes ?? DEFAULT_MAX_PDF_BYTES);
  actor.log.info({ inputRoots: roots.roots }, 'marker reads PDFs from these folders, from content and from http(s) URLs');

  actor.handle(
    defineQuery({
      schema: PDF_CONVERT_SCHEMA_ID,
      description: 'Convert a PDF to the format the target module requires (asked via pdf.requirements.query@1), validate it, and ingest it there.',
      request: PdfConvert,
      responseSchemaId: PDF_CONVERT_RESULT_SCHEMA_ID,
      response: PdfConvertResult,
      // A PDF may come inline as base64 `content`: one long string, so both limits are raised.
      maxBodyBytes: PDF_CONVERT_MAX_BODY_BYTES,
      maxStringBytes: PDF_CONVERT_MAX_BODY_BYTES,
      handle: (body, ctx) => convert(body, ctx, options, grace, roots),
    }),
  );
  return actor;
}

async function convert(body: PdfConvert, ctx: HandlerContext, options: MarkerActorOptions, grace: number, roots: InputRoots): Promise<PdfConvertResult> {
  const target = body.target ?? options.defaultTarget ?? 'arangodb';
  const report = (stage: keyof typeof STAGES, fraction: number, note?: string): void => {
    const [from, to] = STAGES[stage];
    const progress: ProgressReport = {
      percent: Math.round((from + (to - from) * Math.min(1, Math.max(0, fraction))) * 10) / 10,
      stage,
      extendDeadline: new Date(Date.now() + grace).toISOString(),
      ...(note ? { note } : {}),
    };
    ctx.progress(progress);
  };
  const timings = { requirements: 0, extract: 0, validate: 0, ingest: 0 };
  let t = Date.now();
  const lap = (key: keyof typeof timings): void => {
    const now = Date.now();
    timings[key] = now - t;
    t = now;
  };

  // The source first: a refused path costs no requirements query.
  const source = await readPdfSource(body, {
    roots,
    maxUrlBytes: options.maxPdfBytes ?? DEFAULT_MAX_PDF_BYTES,
    urlTimeoutMs: options.urlTimeoutMs ?? 60_000,
    signal: ctx.signal,
  });
  report('requirements', 0, `asking ${target} for ${PDF_REQUIREMENTS_QUERY_SCHEMA_ID}`);
  const query: PdfRequirementsQuery = { acceptVersions: [String(PDF_REQUIREMENTS_MAJOR)] };
  // The flagship shows every step live (docs/flagship.md): its conversations with arangodb publish their whole
  // lifecycle, however short (eventsAfterMs 0), where a quiet one would show only its reply.
  const requirements = await ctx.ask<PdfRequirements>(target, PDF_REQUIREMENTS_QUERY_SCHEMA_ID, query, {
    timeoutMs: options.requirementsTimeoutMs ?? 30_000,
    eventsAfterMs: 0,
  });
  report('requirements', 1, `${requirements.schemaId} ${requirements.version}`);
  lap('requirements');

  const extracted = await extractPdf(source.name, {
    data: source.data,
    password: body.password,
    signal: ctx.signal,
    ...(body.maxPages !== undefined ? { maxPages: body.maxPages } : {}),
    onPage: ({ page, pageCount }) => report('extract', page / Math.max(1, pageCount), `page ${page}/${pageCount}`),
  });
  lap('extract');
  if (ctx.signal.aborted) throw ctx.signal.reason instanceof CommsError ? ctx.signal.reason : new CommsError('E_CANCELED', `conversion of ${source.name} was canceled`);

  report('validate', 0, `checking against ${requirements.schemaId} ${requirements.version}`);
  const document = convertToRequiredFormat(extracted, requirements);
  const validation = validatePdfFormat(document, requirements);
  if (!validation.valid) {
    throw new CommsError(
      'E_DOCUMENT_INVALID',
      `${source.name} converted to a document that breaks ${target}'s requirements ${requirements.version} in ${validation.errors.length} place(s); first: ${validation.errors[0]?.path} ${validation.errors[0]?.message}`,
      { requirementsVersion: requirements.version, errors: validation.errors },
    );
  }
  report('validate', 1, `valid: ${document.blocks.length} blocks, ${document.sections.length} sections`);
  lap('validate');

  let ingest: DocumentIngestResult | undefined;
  if (body.ingest !== false) {
    report('ingest', 0, `sending ${DOCUMENT_INGEST_SCHEMA_ID} to ${target}`);
    ingest = await ctx.ask<DocumentIngestResult>(
      target,
      DOCUMENT_INGEST_SCHEMA_ID,
      { requirementsVersion: requirements.version, document },
      { timeoutMs: options.ingestTimeoutMs ?? 300_000, eventsAfterMs: 0 },
    );
    report('ingest', 1, `ingested as ${ingest.documentKey}`);
    lap('ingest');
  }

  const blocksByType: Record<string, number> = {};
  for (const b of document.blocks) blocksByType[b.blockType] = (blocksByType[b.blockType] ?? 0) + 1;
  return {
    target,
    requirements: {
      schemaId: requirements.schemaId,
      version: requirements.version,
      blockTypes: requirements.blockTypes,
      documentKinds: requirements.documentKinds,
      embedding: requirements.embedding,
    },
    validation: { valid: validation.valid, against: requirements.version, errors: validation.errors },
    document: {
      kind: document.kind,
      ...(document.metadata.title ? { title: document.metadata.title } : {}),
      ...(document.metadata.sha256 ? { sha256: document.metadata.sha256 } : {}),
      pageCount: document.metadata.pageCount,
      pagesExtracted: document.pages?.length ?? document.metadata.pageCount,
      needsOcrPages: document.metadata.needsOcrPages,
    },
    counts: { sections: document.sections.length, blocks: document.blocks.length, blocksByType },
    ...(ingest ? { ingest } : {}),
    ...(body.returnDocument ? { converted: document } : {}),
    timingsMs: timings,
  };
}
