import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Actor, type Conversation } from '../actors/runtime/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { runMarkerToArangodb, queryPdfRequirements } from '../actors/flagship/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsQueries } from '../storage/index.ts';
import { runFlagship } from '../system/index.ts';
import { CommsError, decodeEnvelope, type ConversationEvent, type ConversationStateName, type ProgressReport } from '../protocol/index.ts';
import { PDF_CONVERT_SCHEMA_ID, PDF_REQUIREMENTS_VERSION, type PdfConvertResult, type PdfRequirements } from '../protocol/pdf/index.ts';
import { SAMPLE, samplePath } from '../samples/index.ts';
import { DEFAULT_CONFIG } from '../config/index.ts';

const logger = createLogger('test', process.env.COMMS_LOG_LEVEL ?? 'silent');

async function readJsonl(path: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Resolves with the final state and the error (if any) of a conversation. */
async function settle<R>(conversation: Conversation<R>): Promise<{ state: ConversationStateName; error?: CommsError; result?: R }> {
  try {
    const result = await conversation.result;
    return { state: conversation.state, result };
  } catch (err) {
    return { state: conversation.state, error: err as CommsError };
  }
}

describe('flagship: marker asks arangodb (docs/flagship.md)', function () {
  this.timeout(120_000);
  let broker: EmbeddedBroker;
  let out: string;
  let arangodb: Actor;
  let marker: Actor;
  let client: Actor;
  /** Generated samples (samples/make-sample-pdf.ts); real-world files: eval/corpus/flagship.test.ts. */
  let sample: string;
  let encrypted: string;
  /** Every conversation event seen on comms/v1/conversations/+/events, by conversation id. */
  const events = new Map<string, Array<{ seq: number; parentId?: string; body: ConversationEvent }>>();
  const waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  /** Resolves once the events seen on the bus satisfy `check` (re-checked on every event). */
  function eventsWhere(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ check, resolve }));
  }

  before(async () => {
    sample = await samplePath('sample.pdf');
    encrypted = await samplePath('encrypted.pdf');
    broker = await startBroker({ port: 0 });
    out = await mkdtemp(join(tmpdir(), 'comms-flagship-'));
    arangodb = await createArangodbActor({ url: broker.url, outDir: out, arango: false, logger }).start();
    marker = await createMarkerActor({ url: broker.url, inputRoots: [dirname(sample)], logger }).start();
    client = new Actor({ name: 'client', clientId: 'client-flagship-test', url: broker.url, logger });
    client.subscribe('comms/v1/conversations/+/events', (_topic, payload) => {
      const env = decodeEnvelope(payload);
      const list = events.get(env.conversationId) ?? [];
      list.push({ seq: env.seq ?? -1, ...(env.parentId ? { parentId: env.parentId } : {}), body: env.body as ConversationEvent });
      events.set(env.conversationId, list);
      for (const w of [...waiters]) {
        if (w.check()) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
    await client.start();
  });

  after(async () => {
    await client?.stop();
    await marker?.stop();
    await arangodb?.stop();
    await broker?.close();
    await rm(out, { recursive: true, force: true });
  });

  it('arangodb answers pdf.requirements.query@1 with a real versioned schema', async () => {
    const req: PdfRequirements = await queryPdfRequirements(client, 'arangodb', { acceptVersions: ['1'] });
    expect(req.schemaId).to.equal('pdf.document');
    expect(req.version).to.equal(PDF_REQUIREMENTS_VERSION).and.match(/^1\.\d+\.\d+$/);
    const schema = req.jsonSchema as { type?: string; properties?: Record<string, unknown> };
    expect(schema.type).to.equal('object');
    expect(schema.properties).to.include.keys('formatVersion', 'metadata', 'sections', 'blocks');
    expect(req.blockTypes).to.include.members(['Text', 'SectionHeader', 'Table', 'Figure', 'Equation']);
    expect(req.embedding.dimensions).to.be.greaterThan(0);
    // No embedding provider: the requirements say plainly that the ingester writes none.
    expect(req.embedding.provided).to.equal(false);
    expect(req.embedding.reason).to.contain('no embedding provider configured').and.contain('writes no embeddings');
    expect(req.required).to.include('blocks.bbox');
    // The card advertises its queries.
    const card = arangodb.card();
    expect(card.queries.map((q) => q.schema)).to.have.members(['pdf.requirements.query@1', 'document.ingest@1', 'document.embed@1', 'pdf.validate@1', 'pdf.example@1']);
  });

  it('converts, validates and ingests the sample PDF to JSONL whose edges resolve, with live progress', async () => {
    const progress: ProgressReport[] = [];
    const states: ConversationStateName[] = [];
    const conversation = client.request<PdfConvertResult>('marker', PDF_CONVERT_SCHEMA_ID, { path: sample }, { timeoutMs: 60_000 });
    conversation.on('progress', (p) => progress.push(p));
    conversation.on('state', (s) => states.push(s));
    const result = await conversation.result;
    await conversation.flushed();

    expect(states).to.deep.equal(['submitted', 'working', 'completed']);
    expect(result.requirements.schemaId).to.equal('pdf.document');
    expect(result.requirements.version).to.equal(PDF_REQUIREMENTS_VERSION);
    expect(result.validation).to.deep.equal({ valid: true, against: PDF_REQUIREMENTS_VERSION, errors: [] });
    expect(result.document.pageCount).to.equal(SAMPLE.pageCount);
    expect(result.counts.blocks).to.be.greaterThan(0);
    expect(result.counts.sections).to.equal(SAMPLE.headings.length);

    // Progress: percent never goes back, and the stages come in the flagship's order.
    const percents = progress.map((p) => p.percent ?? 0);
    for (let i = 1; i < percents.length; i++) expect(percents[i]).to.be.at.least(percents[i - 1]!);
    const stages = progress.map((p) => p.stage).filter((s, i, all) => s !== all[i - 1]);
    expect(stages).to.deep.equal(['accepted', 'requirements', 'extract', 'validate', 'ingest']);
    expect(progress.filter((p) => p.stage === 'extract').map((p) => p.note)).to.include(`page ${SAMPLE.pageCount}/${SAMPLE.pageCount}`);

    // The output: one JSONL per collection, counts as reported, every edge endpoint exists.
    const ingest = result.ingest!;
    expect(ingest.documentKey).to.equal(result.document.sha256);
    expect(ingest.arango.written).to.equal(false);
    // ... and so does the ingest result, and no stored block carries a vector.
    expect(ingest.embeddings.written).to.equal(0);
    expect(ingest.embeddings.reason).to.contain('no embedding provider configured');
    expect((await readJsonl(ingest.outputs['blocks']!)).filter((b) => 'embedding' in b)).to.deep.equal([]);
    expect(ingest.counts.blocks).to.equal(result.counts.blocks);
    expect(ingest.counts.contains).to.be.greaterThan(0);
    expect(ingest.counts.next).to.equal(result.counts.blocks - 1);
    const ids = new Set<string>();
    for (const name of ['documents', 'sections', 'blocks'] as const) {
      const path = ingest.outputs[name]!;
      expect(path.startsWith(join(out, ingest.documentKey))).to.equal(true);
      expect(existsSync(path)).to.equal(true);
      const rows = await readJsonl(path);
      expect(rows).to.have.length(ingest.counts[name]);
      for (const r of rows) ids.add(`${name}/${String(r['_key'])}`);
    }
    for (const name of ['contains', 'next', 'references'] as const) {
      const rows = await readJsonl(ingest.outputs[name]!);
      expect(rows).to.have.length(ingest.counts[name]);
      for (const e of rows) {
        expect(ids.has(String(e['_from'])), `${name} from ${String(e['_from'])}`).to.equal(true);
        expect(ids.has(String(e['_to'])), `${name} to ${String(e['_to'])}`).to.equal(true);
      }
    }

    // On the bus: the convert conversation's events are gap-free, and marker's two child
    // conversations with arangodb (requirements, ingest) name it as their parent and completed.
    const childrenOf = (id: string) => [...events.values()].filter((list) => list[0]?.parentId === id);
    const ended = (list: Array<{ body: ConversationEvent }> | undefined) => list?.at(-1)?.body.state === 'completed';
    await eventsWhere(() => ended(events.get(conversation.id)) && childrenOf(conversation.id).length === 2 && childrenOf(conversation.id).every(ended));
    const own = events.get(conversation.id) ?? [];
    expect(own.map((e) => e.seq)).to.deep.equal(own.map((_, i) => i + 1));
    expect(own.at(-1)?.body.state).to.equal('completed');
    const children = childrenOf(conversation.id);
    expect(children.map((list) => list[0]!.body.query).sort()).to.deep.equal(['document.ingest@1', 'pdf.requirements.query@1']);
    for (const list of children) expect(list.at(-1)?.body.state).to.equal('completed');
  });

  it('an encrypted PDF without its password ends the conversation failed with E_PDF_PASSWORD', async () => {
    const conversation = client.request('marker', PDF_CONVERT_SCHEMA_ID, { path: encrypted }, { timeoutMs: 60_000 });
    const { state, error } = await settle(conversation);
    expect(state).to.equal('failed');
    expect(error).to.be.instanceOf(CommsError);
    expect(error!.code).to.equal('E_PDF_PASSWORD');
  });

  it('the same encrypted PDF converts with its password (no ingest)', async () => {
    const result = await client.ask<PdfConvertResult>('marker', PDF_CONVERT_SCHEMA_ID, { path: encrypted, password: SAMPLE.password, ingest: false }, { timeoutMs: 60_000 });
    expect(result.validation.valid).to.equal(true);
    expect(result.counts.blocks).to.be.greaterThan(0);
    expect(result.ingest).to.equal(undefined);
  });

  it('document.ingest@1 with an invalid document is answered E_DOCUMENT_INVALID naming every path with a hint', async () => {
    const document = {
      formatVersion: PDF_REQUIREMENTS_VERSION,
      kind: 'document',
      metadata: { pageCount: 1, source: { path: '/x.pdf', filename: 'x.pdf', bytes: 1 }, authors: [], encrypted: false, needsOcrPages: [] },
      sections: [],
      blocks: [
        { id: '/page/0/Text/0', blockType: 'Text', page: 0, bbox: [0, 0, 10], text: 'a' },
        { id: '/page/0/Text/1', blockType: 'Paragraph', page: 0, bbox: [0, 0, 10, 10], text: 'b' },
      ],
    };
    const { state, error } = await settle(client.request('arangodb', 'document.ingest@1', { requirementsVersion: PDF_REQUIREMENTS_VERSION, document }));
    expect(state).to.equal('failed');
    expect(error!.code).to.equal('E_DOCUMENT_INVALID');
    const details = error!.details as { requirementsVersion: string; errors: Array<{ path: string; message: string; hint: string }> };
    expect(details.requirementsVersion).to.equal(PDF_REQUIREMENTS_VERSION);
    const paths = details.errors.map((e) => e.path);
    expect(paths.some((p) => p.startsWith('/blocks/0/bbox'))).to.equal(true);
    expect(paths).to.include('/blocks/1/blockType');
    for (const e of details.errors) expect(e.hint).to.be.a('string').and.not.equal('');
    expect(details.errors.find((e) => e.path === '/blocks/1/blockType')!.hint).to.contain('SectionHeader');
  });

  it('an unknown query version is rejected with E_VERSION_UNSUPPORTED', async () => {
    const { state, error } = await settle(client.request('arangodb', 'pdf.requirements.query@2', {}));
    expect(state).to.equal('rejected');
    expect(error!.code).to.equal('E_VERSION_UNSUPPORTED');
    expect((error!.details as { supported: string[] }).supported).to.deep.equal(['pdf.requirements.query@1']);
  });

  it('runMarkerToArangodb is the client side only: it runs the flow on a running system and starts nothing', async () => {
    const seen: ProgressReport[] = [];
    const { result, url, conversationId } = await runMarkerToArangodb({ url: broker.url, pdf: sample, ingest: false, logger, onProgress: (p) => seen.push(p) });
    expect(url).to.equal(broker.url);
    expect(conversationId).to.be.a('string');
    expect(result.validation.valid).to.equal(true);
    expect(seen.map((p) => p.stage)).to.include.members(['requirements', 'extract', 'validate']);
  });

  it('runFlagship without a url runs the marker-to-arangodb workflow on a system of its own (system/), every step recorded in its database', async () => {
    const dataDir = join(out, 'system');
    const outDir = join(out, 'run');
    const seen: ProgressReport[] = [];
    const stepsSeen: string[] = [];
    const config = { modules: DEFAULT_CONFIG.modules.map((m) => ({ ...m, backend: 'offline' as const })) };
    const { result, url, conversationId, workflowId, compatibility, dbPath } = await runFlagship({
      pdf: sample,
      dataDir,
      outDir,
      arango: false,
      config,
      logger,
      onProgress: (p) => seen.push(p),
      onStep: (e) => (e.stepState === 'completed' ? stepsSeen.push(e.stepId as string) : undefined),
    });
    expect(url).to.match(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(url).to.not.equal(broker.url);
    expect(stepsSeen).to.deep.equal(['requirements', 'convert', 'validate', 'compatibility', 'ingest']);
    expect(seen.map((p) => p.stage)).to.include.members(['requirements', 'extract', 'validate', 'jsonl']);
    expect(result.validation.valid).to.equal(true);
    expect(compatibility).to.include({ consumer: 'arangodb', compatible: true, method: 'rule-based' });
    for (const path of Object.values(result.ingest!.outputs)) {
      expect(path.startsWith(outDir)).to.equal(true);
      expect(existsSync(path)).to.equal(true);
    }
    // The system it started included the recorder: the workflow, its request and each step's conversation are in the database.
    expect(dbPath).to.equal(join(dataDir, 'comms.db'));
    const queries = new CommsQueries(dbPath!);
    try {
      expect(queries.getTaskStatus(conversationId)).to.include({ state: 'completed', query: 'workflow.execute@1' });
      const workflow = queries.getWorkflow(workflowId);
      expect(workflow.state).to.equal('completed');
      expect(workflow.name).to.equal('marker-to-arangodb');
      for (const step of workflow.steps) {
        expect(step.state).to.equal('completed');
        expect(queries.getTaskStatus(step.conversationId as string)).to.include({ state: 'completed', parentId: workflowId });
      }
    } finally {
      queries.close();
    }
  });
});
