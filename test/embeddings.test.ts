import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Actor } from '../actors/runtime/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createEmbeddingProvider, parseEmbeddingSpec } from '../embeddings/index.ts';
import { extractPdf } from '../extraction/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError } from '../protocol/index.ts';
import {
  DOCUMENT_EMBED_SCHEMA_ID,
  PDF_REQUIREMENTS_VERSION,
  type DocumentEmbedResult,
  type DocumentIngestResult,
  type PdfDocument,
  type PdfRequirements,
} from '../protocol/pdf/index.ts';
import { samplePath } from '../samples/index.ts';
import { busFixture } from './support/bus-fixture.ts';
import { fakeVector, startEmbeddingServer, type EmbeddingApiShape, type EmbeddingServer } from './support/embedding-servers.ts';

type Fixture = Awaited<ReturnType<typeof busFixture>>;

async function readJsonl(path: string): Promise<Array<Record<string, unknown>>> {
  return (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function failure(promise: Promise<unknown>): Promise<CommsError> {
  try {
    await promise;
  } catch (err) {
    return err as CommsError;
  }
  throw new Error('expected the request to fail');
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Records with text in an embedded field (sections.title, blocks.text). */
function embeddable(records: Array<Record<string, unknown>>, field: string): Array<Record<string, unknown>> {
  return records.filter((r) => typeof r[field] === 'string' && (r[field] as string).trim() !== '');
}

const SPECS: Record<EmbeddingApiShape, (url: string) => string> = {
  openai: (url) => `openai:${url}/v1?model=text-embedding-minilm&keyEnv=TEST_EMBEDDINGS_KEY`,
  ollama: (url) => `ollama:${url}?model=all-minilm`,
  tei: (url) => `tei:${url}?model=sentence-transformers/all-MiniLM-L6-v2`,
};

describe('embeddings: HTTP providers through the arangodb actor (docs/embeddings.md)', function () {
  this.timeout(120_000);
  let fx: Fixture;
  let client: Actor;
  let document: PdfDocument;
  const running: Actor[] = [];
  const servers: EmbeddingServer[] = [];
  const logger = createLogger('arangodb', 'silent');

  async function arangodb(spec: string | undefined, outDir = join(fx.dir, 'ingest')): Promise<Actor> {
    const embeddings = spec ? { embeddings: createEmbeddingProvider(parseEmbeddingSpec(spec, { TEST_EMBEDDINGS_KEY: 'sk-test-123' })) } : {};
    const actor = createArangodbActor({ url: fx.broker.url, outDir, arango: false, logger, ...embeddings });
    running.push(actor);
    return actor.start();
  }
  async function server(api: EmbeddingApiShape, behaviour?: Parameters<typeof startEmbeddingServer>[1]): Promise<EmbeddingServer> {
    const s = await startEmbeddingServer(api, behaviour);
    servers.push(s);
    return s;
  }
  const ingest = () => client.request<DocumentIngestResult>('arangodb', 'document.ingest@1', { requirementsVersion: PDF_REQUIREMENTS_VERSION, document }).result;

  before(async () => {
    document = await extractPdf(await samplePath('sample.pdf'));
  });
  beforeEach(async () => {
    fx = await busFixture();
    client = await fx.actor({ name: 'client' }).start();
  });
  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop();
    for (const s of servers.splice(0)) await s.close();
    await fx.close();
  });

  for (const api of ['openai', 'ollama', 'tei'] as const) {
    it(`${api}: the requirements say vectors are provided and ingest writes unit-length 384-dim vectors`, async () => {
      const http = await server(api);
      await arangodb(SPECS[api](http.url));
      const req = await client.request<PdfRequirements>('arangodb', 'pdf.requirements.query@1', {}).result;
      expect(req.embedding).to.include({ provided: true, dimensions: 384, computedBy: 'ingester' });
      expect(req.embedding.reason).to.equal(undefined);

      const result = await ingest();
      const blocks = await readJsonl(result.outputs['blocks']!);
      const sections = await readJsonl(result.outputs['sections']!);
      const expected = embeddable(blocks, 'text').length + embeddable(sections, 'title').length;
      expect(expected).to.be.greaterThan(0);
      expect(result.embeddings).to.deep.equal({ written: expected, model: new URL(SPECS[api](http.url).slice(api.length + 1)).searchParams.get('model') });
      for (const record of [...embeddable(blocks, 'text'), ...embeddable(sections, 'title')]) {
        const vector = record['embedding'] as number[];
        expect(vector).to.have.length(384);
        expect(Math.abs(norm(vector) - 1)).to.be.lessThan(1e-9);
      }
      // The vector belongs to its own text (the openai server answers in reverse order, by index).
      const first = embeddable(blocks, 'text')[0]!;
      const raw = fakeVector((first['text'] as string).slice(0, 1024), 384);
      expect((first['embedding'] as number[])[0]).to.be.closeTo(raw[0]! / norm(raw), 1e-12);

      // The server saw its own API's request JSON.
      const seen = http.requests[0]!;
      expect(seen.method).to.equal('POST');
      if (api === 'openai') {
        expect(seen.path).to.equal('/v1/embeddings');
        expect(seen.headers['authorization']).to.equal('Bearer sk-test-123');
        expect(seen.body).to.include({ model: 'text-embedding-minilm', encoding_format: 'float' });
        expect(seen.body['input']).to.be.an('array');
      } else if (api === 'ollama') {
        expect(seen.path).to.equal('/api/embed');
        expect(seen.body).to.include({ model: 'all-minilm', truncate: true });
        expect(seen.body['input']).to.be.an('array');
      } else {
        expect(seen.path).to.equal('/embed');
        expect(seen.body).to.include({ truncate: true });
        expect(seen.body['inputs']).to.be.an('array');
      }
      // 64 texts per request by default.
      expect(http.requests.length).to.equal(Math.ceil(expected / 64));
    });

    it(`${api}: an HTTP error status ends the ingest with E_EMBEDDING_FAILED naming the status and the server's message`, async () => {
      const http = await server(api, 'status');
      await arangodb(SPECS[api](http.url));
      const err = await failure(ingest());
      expect(err.code).to.equal('E_EMBEDDING_FAILED');
      expect(err.message).to.match(/HTTP (401|404|413)/).and.contain(`${api} at ${http.url}`);
      expect(err.message).to.match(/Incorrect API key|not found, try pulling|maximum allowed batch size/);
    });
  }

  it('vectors of another dimension than the advertised 384 fail with E_EMBEDDING_FAILED naming both', async () => {
    const http = await server('ollama', 'wrong-dimension');
    await arangodb(SPECS.ollama(http.url));
    const err = await failure(ingest());
    expect(err.code).to.equal('E_EMBEDDING_FAILED');
    expect(err.message).to.contain('768-dimensional').and.contain('advertise 384');
  });

  it('a server that never answers fails with E_EMBEDDING_FAILED after the configured timeout', async () => {
    const http = await server('tei', 'hang');
    await arangodb(`tei:${http.url}?timeout=300`);
    const err = await failure(ingest());
    expect(err.code).to.equal('E_EMBEDDING_FAILED');
    expect(err.message).to.contain('did not answer within 300 ms');
    expect(http.requests).to.have.length(1);
  });

  it('without a provider ingest writes none and says so; comms embed later adds them (document.embed@1)', async () => {
    const outDir = join(fx.dir, 'later');
    await arangodb(undefined, outDir);
    const req = await client.request<PdfRequirements>('arangodb', 'pdf.requirements.query@1', {}).result;
    expect(req.embedding.provided).to.equal(false);
    const result = await ingest();
    expect(result.embeddings.written).to.equal(0);
    expect(result.embeddings.reason).to.contain('no embedding provider configured');
    expect((await readJsonl(result.outputs['blocks']!)).filter((b) => 'embedding' in b)).to.deep.equal([]);
    const unavailable = await failure(client.request('arangodb', DOCUMENT_EMBED_SCHEMA_ID, { documentKey: result.documentKey }).result);
    expect(unavailable.code).to.equal('E_EMBEDDINGS_UNAVAILABLE');
    expect(unavailable.message).to.contain('--embeddings');

    await running.pop()!.stop();
    const http = await server('tei');
    await arangodb(SPECS.tei(http.url), outDir);
    const embedded = await client.request<DocumentEmbedResult>('arangodb', DOCUMENT_EMBED_SCHEMA_ID, { documentKey: result.documentKey }).result;
    const blocks = await readJsonl(embedded.outputs['blocks']!);
    expect(embedded.outputs['blocks']).to.equal(result.outputs['blocks']);
    expect(embedded).to.include({ documentKey: result.documentKey, dimensions: 384, model: 'sentence-transformers/all-MiniLM-L6-v2' });
    expect(embedded.written).to.be.greaterThan(0);
    expect(blocks.filter((b) => Array.isArray(b['embedding']))).to.have.length(embeddable(blocks, 'text').length);
    // Everything else in the records is unchanged.
    expect(blocks.map(({ embedding: _e, ...rest }) => rest)).to.deep.equal(await readJsonl(result.outputs['blocks']!).then((b) => b.map(({ embedding: _e, ...rest }) => rest)));

    const missing = await failure(client.request('arangodb', DOCUMENT_EMBED_SCHEMA_ID, { documentKey: 'no-such-document' }).result);
    expect(missing.code).to.equal('E_NOT_FOUND');
    const escape = await failure(client.request('arangodb', DOCUMENT_EMBED_SCHEMA_ID, { documentKey: '../later' }).result);
    expect(escape.code).to.equal('E_NOT_FOUND');
  });

  it('normalises only when the spec says normalize, and batches by ?batch=N', async () => {
    const http = await server('ollama');
    const config = parseEmbeddingSpec(`ollama:${http.url}?model=all-minilm&batch=2`, {});
    const texts = ['alpha', 'beta', 'gamma'];
    const raw = await createEmbeddingProvider(config, { dimensions: 384, normalize: false }).embed(texts);
    expect(raw).to.deep.equal(texts.map((t) => fakeVector(t, 384)));
    const unit = await createEmbeddingProvider(config).embed(texts);
    unit.forEach((v, i) => expect(v[5]).to.be.closeTo(raw[i]![5]! / norm(raw[i]!), 1e-12));
    expect(http.requests.map((r) => (r.body['input'] as string[]).length)).to.deep.equal([2, 1, 2, 1]);
  });

  it('a malformed provider spec is an E_CONFIG_INVALID naming what is wrong', () => {
    const bad = (spec: string) => {
      try {
        parseEmbeddingSpec(spec, {});
      } catch (err) {
        return err as CommsError;
      }
      throw new Error(`${spec} was accepted`);
    };
    expect(bad('cohere:http://x').message).to.contain('unknown API "cohere"');
    expect(bad('ollama:http://x').message).to.contain('ollama needs a model');
    expect(bad('openai:ftp://x?model=m').message).to.contain('http:// or https://');
    expect(bad('tei:http://x?batch=0').message).to.contain('batch=0 is not a positive integer');
    expect(bad('tei:http://x?modle=m').code).to.equal('E_CONFIG_INVALID');
    expect(parseEmbeddingSpec('openai:http://h:1/v1/?model=m&batch=8', { OPENAI_API_KEY: 'k' })).to.deep.include({ url: 'http://h:1/v1', model: 'm', batchSize: 8, apiKey: 'k' });
  });
});
