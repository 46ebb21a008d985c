import { dirname, resolve } from 'node:path';
import { Actor, connectionOptions, defineQuery, type HandlerContext, type ModuleConnectionOptions } from '../runtime/index.ts';
import { toCollections, validateArangoTarget, writeJsonl, writeToArango, type ArangoTarget } from '../../ingest/index.ts';
import { CommsError } from '../../protocol/index.ts';
import type { EmbeddingProvider } from '../../embeddings/index.ts';
import { embedDocument, embedForIngest } from './embed-document.ts';
import { pdfExampleQuery, pdfValidateQuery } from './pdf-queries.ts';
import {
  buildPdfRequirements,
  DOCUMENT_EMBED_RESULT_SCHEMA_ID,
  DOCUMENT_EMBED_SCHEMA_ID,
  DocumentEmbed,
  DocumentEmbedResult,
  DOCUMENT_INGEST_RESULT_SCHEMA_ID,
  DOCUMENT_INGEST_SCHEMA_ID,
  DocumentIngest,
  DocumentIngestResult,
  isCompatibleVersion,
  PDF_REQUIREMENTS_QUERY_SCHEMA_ID,
  PDF_REQUIREMENTS_SCHEMA_ID,
  PDF_REQUIREMENTS_VERSION,
  PdfRequirements,
  PdfRequirementsQuery,
  validatePdfFormat,
  type PdfDocument,
} from '../../protocol/pdf/index.ts';

export interface ArangodbActorOptions extends ModuleConnectionOptions {
  /** JSONL output root; each document goes to `{outDir}/{documentKey}/{collection}.jsonl`. */
  outDir: string;
  /** Live ArangoDB to import into as well. Default: from ARANGO_URL/ARANGO_DATABASE/ARANGO_USERNAME/ARANGO_PASSWORD; `false` = JSONL only. */
  arango?: ArangoTarget | false;
  /** Computes the requirements' embeddings at ingest and for `document.embed@1`; without one none are written (docs/embeddings.md). */
  embeddings?: EmbeddingProvider;
}

/** The ArangoDB target from the environment, or undefined when ARANGO_URL is not set. */
function arangoTargetFromEnv(env: NodeJS.ProcessEnv = process.env): ArangoTarget | undefined {
  const url = env['ARANGO_URL'];
  if (!url) return undefined;
  return {
    url,
    database: env['ARANGO_DATABASE'] ?? '_system',
    ...(env['ARANGO_USERNAME'] !== undefined ? { username: env['ARANGO_USERNAME'] } : {}),
    ...(env['ARANGO_PASSWORD'] !== undefined ? { password: env['ARANGO_PASSWORD'] } : {}),
  };
}

/**
 * The `arangodb` module: publishes what it ingests (`pdf.requirements.query@1` -> `pdf.requirements@1`)
 * and ingests documents (`document.ingest@1` -> `document.ingest.result@1`) as arangoimport-ready
 * JSONL files, and into a live ArangoDB when one is configured.
 */
export function createArangodbActor(options: ArangodbActorOptions): Actor {
  const target = options.arango === false ? undefined : (options.arango ?? arangoTargetFromEnv());
  if (target) validateArangoTarget(target);
  const outDir = resolve(options.outDir);
  const provider = options.embeddings;
  const actor = new Actor({
    name: 'arangodb',
    ...connectionOptions(options),
    description: `Tells producers the pdf.document format it ingests (requirements ${PDF_REQUIREMENTS_VERSION}) and ingests documents as documents/sections/blocks plus contains/next/references edges${target ? ` into ArangoDB at ${target.url}` : ''} and JSONL files${provider ? `, with ${provider.model} embeddings` : ''}.`,
    backend: { kind: 'code' },
  });

  actor.handle(
    defineQuery({
      schema: PDF_REQUIREMENTS_QUERY_SCHEMA_ID,
      description: 'Which document format this module ingests: a versioned JSON Schema, required fields, block types, mapping notes and the embedding spec.',
      request: PdfRequirementsQuery,
      responseSchemaId: PDF_REQUIREMENTS_SCHEMA_ID,
      response: PdfRequirements,
      handle: async (body) => buildPdfRequirements(body, provider),
    }),
  );

  actor.handle(
    defineQuery({
      schema: DOCUMENT_INGEST_SCHEMA_ID,
      description: 'Validate a pdf.document against the current requirements and write it as collections (JSONL, and ArangoDB when configured).',
      request: DocumentIngest,
      responseSchemaId: DOCUMENT_INGEST_RESULT_SCHEMA_ID,
      response: DocumentIngestResult,
      // A whole converted document: far more than the 256 KiB default, still under the 16 MiB packet limit.
      maxBodyBytes: 12 * 1024 * 1024,
      maxStringBytes: 1024 * 1024,
      handle: (body, ctx) => ingest(body, ctx, outDir, target, provider),
    }),
  );

  actor.handle(
    defineQuery({
      schema: DOCUMENT_EMBED_SCHEMA_ID,
      description: 'Add the requirements embeddings to an already-ingested document (by documentKey), rewriting its JSONL (and ArangoDB records when configured).',
      request: DocumentEmbed,
      responseSchemaId: DOCUMENT_EMBED_RESULT_SCHEMA_ID,
      response: DocumentEmbedResult,
      handle: (body, ctx) => embedDocument(body, ctx, { outDir, target, provider }),
    }),
  );
  actor.handle(pdfValidateQuery());
  actor.handle(pdfExampleQuery());
  return actor;
}

async function ingest(body: DocumentIngest, ctx: HandlerContext, outDir: string, target: ArangoTarget | undefined, provider: EmbeddingProvider | undefined): Promise<DocumentIngestResult> {
  const requirements = buildPdfRequirements({}, provider);
  if (!isCompatibleVersion(body.requirementsVersion, requirements.version)) {
    throw new CommsError(
      'E_VERSION_UNSUPPORTED',
      `the document was converted for requirements ${body.requirementsVersion}, but this module ingests ${requirements.version}; ask ${PDF_REQUIREMENTS_QUERY_SCHEMA_ID} again and convert for that version.`,
      { supported: [requirements.version], asked: body.requirementsVersion },
    );
  }
  ctx.progress({ percent: 5, stage: 'validate', note: `checking against ${requirements.schemaId} ${requirements.version}` });
  const report = validatePdfFormat(body.document, requirements);
  if (!report.valid) {
    throw new CommsError(
      'E_DOCUMENT_INVALID',
      `the document breaks requirements ${requirements.version} in ${report.errors.length} place(s): ${report.errors
        .slice(0, 5)
        .map((e) => `${e.path} ${e.message}`)
        .join('; ')}${report.errors.length > 5 ? '; ...' : ''}`,
      { requirementsVersion: requirements.version, errors: report.errors },
    );
  }
  const document = body.document as PdfDocument;
  ctx.progress({ percent: 20, stage: 'collections', note: `${document.blocks.length} blocks, ${document.sections.length} sections` });
  const collections = toCollections(document);
  const documentKey = collections.documents[0]?._key;
  if (!documentKey) throw new CommsError('E_HANDLER_FAILED', 'toCollections produced no document record');
  if (ctx.signal.aborted) throw new CommsError('E_CANCELED', 'ingest was canceled');

  const embeddings = await embedForIngest(collections, provider, ctx);
  if (ctx.signal.aborted) throw new CommsError('E_CANCELED', 'ingest was canceled');

  const docDir = resolve(outDir, documentKey);
  if (dirname(docDir) !== outDir) throw new CommsError('E_HANDLER_FAILED', `document key ${JSON.stringify(documentKey)} does not name a folder inside ${outDir}`);
  ctx.progress({ percent: 40, stage: 'jsonl', note: `writing ${docDir}` });
  const outputs = await writeJsonl(collections, docDir);

  let arango: DocumentIngestResult['arango'] = { written: false };
  if (target) {
    if (ctx.signal.aborted) throw new CommsError('E_CANCELED', 'ingest was canceled');
    ctx.progress({ percent: 70, stage: 'arango', note: `importing into ${target.url} (${target.database})` });
    const written = await writeToArango(collections, target);
    arango = { written: true, url: written.url, database: written.database };
  }

  const warnings: string[] = [];
  if (document.metadata.needsOcrPages.length > 0) {
    warnings.push(`${document.metadata.needsOcrPages.length} page(s) have no text layer and need OCR: ${document.metadata.needsOcrPages.slice(0, 20).join(', ')}`);
  }
  if (document.blocks.length === 0) warnings.push('the document has no blocks');
  ctx.progress({ percent: 100, stage: 'done' });
  return {
    documentKey,
    requirementsVersion: requirements.version,
    counts: {
      documents: collections.documents.length,
      sections: collections.sections.length,
      blocks: collections.blocks.length,
      contains: collections.contains.length,
      next: collections.next.length,
      references: collections.references.length,
    },
    outputs,
    arango,
    embeddings,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
