import { readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { HandlerContext } from '../runtime/index.ts';
import { embedRecords, type EmbeddingProvider } from '../../embeddings/index.ts';
import { DOCUMENT_COLLECTIONS, EDGE_COLLECTIONS, writeJsonl, writeToArango, type ArangoTarget, type Collections } from '../../ingest/index.ts';
import { CommsError } from '../../protocol/index.ts';
import { buildPdfRequirements, NO_EMBEDDING_PROVIDER_REASON, type DocumentEmbed, type DocumentEmbedResult, type DocumentIngestResult } from '../../protocol/pdf/index.ts';

/** What ingest reports about embeddings: vectors written into `collections`, or plainly none and why. */
export async function embedForIngest(collections: Collections, provider: EmbeddingProvider | undefined, ctx: HandlerContext): Promise<DocumentIngestResult['embeddings']> {
  if (!provider) return { written: 0, reason: NO_EMBEDDING_PROVIDER_REASON };
  ctx.progress({ percent: 30, stage: 'embed', note: `${provider.model} via ${provider.api} ${provider.endpoint}` });
  const written = await embedRecords(collections as unknown as Record<string, Array<Record<string, unknown>>>, buildPdfRequirements({}, provider).embedding, provider, ctx.signal);
  return written > 0 ? { written, model: provider.model } : { written, model: provider.model, reason: 'the document has no section titles or block text to embed' };
}

async function readJsonl(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The folder an ingest wrote for `documentKey`, which must be a direct child of `outDir` (the key comes from the bus). */
async function ingestedFolder(outDir: string, documentKey: string): Promise<string> {
  const docDir = resolve(outDir, documentKey);
  const missing = () =>
    new CommsError('E_NOT_FOUND', `no ingested document ${JSON.stringify(documentKey)} in ${outDir}; ingest it first (document.ingest@1, e.g. comms run --pdf FILE) and use the documentKey of its result.`, { documentKey });
  if (dirname(docDir) !== outDir) throw missing();
  const found = await stat(join(docDir, 'blocks.jsonl')).catch(() => undefined);
  if (!found?.isFile()) throw missing();
  return docDir;
}

async function readCollections(docDir: string): Promise<Collections> {
  const entries = await Promise.all(
    [...DOCUMENT_COLLECTIONS, ...EDGE_COLLECTIONS].map(async (name) => [name, await readJsonl(join(docDir, `${name}.jsonl`)).catch(() => [])] as const),
  );
  return Object.fromEntries(entries) as unknown as Collections;
}

/** Write beside, then rename over: a failure half way leaves the previous files whole. */
async function replaceJsonl(collections: Collections, docDir: string): Promise<Record<string, string>> {
  const staging = `${docDir}.embedding`;
  const written = await writeJsonl(collections, staging);
  const outputs: Record<string, string> = {};
  for (const [name, path] of Object.entries(written)) {
    outputs[name] = join(docDir, `${name}.jsonl`);
    await rename(path, outputs[name]);
  }
  await rm(staging, { recursive: true, force: true });
  return outputs;
}

/** `document.embed@1`: compute the vectors of an already-ingested document and rewrite its records. */
export async function embedDocument(
  body: DocumentEmbed,
  ctx: HandlerContext,
  where: { outDir: string; target: ArangoTarget | undefined; provider: EmbeddingProvider | undefined },
): Promise<DocumentEmbedResult> {
  const { provider, target } = where;
  if (!provider) {
    throw new CommsError('E_EMBEDDINGS_UNAVAILABLE', 'arangodb runs without an embedding provider; restart it with --embeddings API:URL?model=NAME (or COMMS_EMBEDDINGS), see docs/embeddings.md.');
  }
  const docDir = await ingestedFolder(where.outDir, body.documentKey);
  const collections = await readCollections(docDir);
  const embeddings = await embedForIngest(collections, provider, ctx);
  ctx.progress({ percent: 70, stage: 'jsonl', note: `rewriting ${docDir}` });
  const outputs = await replaceJsonl(collections, docDir);
  let arango: DocumentEmbedResult['arango'] = { written: false };
  if (target) {
    ctx.progress({ percent: 85, stage: 'arango', note: `updating ${target.url} (${target.database})` });
    const done = await writeToArango(collections, target);
    arango = { written: true, url: done.url, database: done.database };
  }
  return { documentKey: body.documentKey, written: embeddings.written, model: provider.model, dimensions: provider.dimensions, provider: `${provider.api} ${provider.endpoint}`, outputs, arango };
}
