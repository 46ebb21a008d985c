import { expect } from 'chai';
import { join } from 'node:path';
import { createAdvisor, type AdvisorModule } from '../actors/advisor/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { CommsError, type AskAnswer } from '../protocol/index.ts';
import type { PdfCompatibilityResult, PdfDocument } from '../protocol/pdf/index.ts';
import { busFixture, until } from './support/bus-fixture.ts';
import { MessagesApiServer } from './fixtures/messages-api-server.ts';

function document(): PdfDocument {
  return {
    formatVersion: '1.0.0',
    kind: 'article',
    metadata: {
      title: 'Sample',
      authors: ['A. Author'],
      pageCount: 1,
      source: { path: '/tmp/sample.pdf', filename: 'sample.pdf', bytes: 1234 },
      encrypted: false,
      needsOcrPages: [],
    },
    sections: [{ id: 'sec-1', title: 'Intro', level: 1, parentId: null, pageStart: 0, pageEnd: 0, headerBlockId: '/page/0/SectionHeader/0', blockIds: ['/page/0/SectionHeader/0', '/page/0/Text/0'] }],
    blocks: [
      { blockType: 'SectionHeader', id: '/page/0/SectionHeader/0', page: 0, bbox: [10, 10, 200, 30], text: 'Intro', level: 1, sectionId: 'sec-1' },
      { blockType: 'Text', id: '/page/0/Text/0', page: 0, bbox: [10, 40, 500, 90], text: 'Hello world.', sectionId: 'sec-1' },
    ],
  };
}

describe('the advisor module', () => {
  let bus: Awaited<ReturnType<typeof busFixture>>;
  let advisor: AdvisorModule | undefined;
  let recorder: Recorder | undefined;
  let api: MessagesApiServer | undefined;

  beforeEach(async () => {
    bus = await busFixture();
    await createArangodbActor({ url: bus.broker.url, outDir: join(bus.dir, 'ingest'), arango: false }).start().then((a) => bus.actors.push(a));
  });
  afterEach(async () => {
    await advisor?.stop();
    advisor = undefined;
    await recorder?.stop();
    recorder = undefined;
    await api?.close();
    await bus.close();
  });

  describe('offline', () => {
    beforeEach(async () => {
      advisor = createAdvisor({ name: 'advisor', url: bus.broker.url, backend: 'offline' });
      await advisor.start();
    });

    it('checks a valid document against arangodb\'s requirements by rules and says it is rule-based', async () => {
      const requester = await bus.actor({ name: 'requester' }).start();
      const result = await requester.ask<PdfCompatibilityResult>('advisor', 'pdf.compatibility.check@1', { consumer: 'arangodb', document: document() });
      expect(result.method).to.equal('rule-based');
      expect(result.backend).to.equal('offline');
      expect(result.summary).to.match(/^Rule-based check \(offline backend, no model was asked\)/);
      expect(result.compatible).to.equal(true);
      expect(result.findings.find((f) => f.field === 'version')?.status).to.equal('ok');
      expect(result.findings.find((f) => f.field === 'metadata.pageCount')?.status).to.equal('ok');
      expect(result.findings.find((f) => f.field === 'embedding')?.status).to.equal('warning');
      expect(advisor!.actor.card().backend.kind).to.equal('offline');
    });

    it('names each failing field with its JSON pointer and a hint', async () => {
      const doc = document() as unknown as { blocks: Array<Record<string, unknown>>; metadata: Record<string, unknown>; formatVersion: string };
      delete doc.metadata['pageCount'];
      doc.blocks[1]!['bbox'] = [1, 2];
      const requester = await bus.actor({ name: 'requester' }).start();
      const result = await requester.ask<PdfCompatibilityResult>('advisor', 'pdf.compatibility.check@1', { document: doc });
      expect(result.consumer).to.equal('arangodb');
      expect(result.compatible).to.equal(false);
      const pageCount = result.findings.find((f) => f.path === '/metadata/pageCount');
      expect(pageCount?.status).to.equal('missing');
      expect(pageCount?.field).to.equal('metadata.pageCount');
      const bbox = result.findings.find((f) => f.path?.startsWith('/blocks/1/bbox'));
      expect(bbox?.status).to.equal('invalid');
      expect(bbox?.hint).to.match(/four numbers/);
      expect(result.summary).to.match(/Not compatible with arangodb/);
    });

    it('says a requirements version of another major does not fit, and refuses a check with nothing to check', async () => {
      const requester = await bus.actor({ name: 'requester' }).start();
      const result = await requester.ask<PdfCompatibilityResult>('advisor', 'pdf.compatibility.check@1', { requirementsVersion: '2.0.0' });
      expect(result.compatible).to.equal(false);
      expect(result.findings[0]).to.include({ field: 'version', status: 'incompatible' });
      const error = await requester.ask('advisor', 'pdf.compatibility.check@1', {}).catch((e: unknown) => e);
      expect((error as CommsError).code).to.equal('E_SCHEMA_INVALID');
      expect((error as CommsError).message).to.contain('requirementsVersion');
    });

    it('answers free text with E_MODEL_UNAVAILABLE naming ANTHROPIC_API_KEY and the claude CLI', async () => {
      const requester = await bus.actor({ name: 'requester' }).start();
      const error = await requester.ask('advisor', 'ask@1', { question: 'What does arangodb do?', module: 'arangodb' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(CommsError);
      expect((error as CommsError).code).to.equal('E_MODEL_UNAVAILABLE');
      expect((error as CommsError).message).to.contain('ANTHROPIC_API_KEY').and.to.contain('`claude` CLI');
    });
  });

  describe('with the Messages API (loopback)', () => {
    let recorderSeen: Promise<void>;
    beforeEach(async () => {
      api = await MessagesApiServer.start();
      recorder = createRecorder({ url: bus.broker.url, dbPath: join(bus.dir, 'comms.db') });
      await recorder.start();
      const server = api;
      advisor = createAdvisor({
        name: 'advisor',
        url: bus.broker.url,
        backend: 'anthropic',
        model: 'claude-test',
        pool: { instance: { backendOptions: { anthropic: { apiKey: 'test-key', baseURL: server.url, maxRetries: 0, env: {} } } } },
      });
      const module = advisor;
      recorderSeen = new Promise<void>((resolve) => module.actor.on('peer-status', (name, state) => name === 'recorder' && state === 'online' && resolve()));
      await advisor.start();
    });

    it('answers ask@1 with the module card and its recorded conversations in the system prompt', async () => {
      const requester = await bus.actor({ name: 'requester' }).start();
      // One conversation of arangodb, recorded before the question.
      const first = requester.request('arangodb', 'pdf.requirements.query@1', {});
      await first.result;
      await until(
        (check) => (recorder!.events.on('recorded', check), () => recorder!.events.off('recorded', check)),
        () => (recorder!.queries.listConversations().find((c) => c.id === first.id)?.state === 'completed' ? true : undefined),
      );
      await recorderSeen;
      api!.enqueue({ kind: 'text', text: 'arangodb ingests pdf.document bodies.' });
      const answer = await requester.ask<AskAnswer>('advisor', 'ask@1', { question: 'What does arangodb do?', module: 'arangodb' });
      expect(answer.answer).to.equal('arangodb ingests pdf.document bodies.');
      expect(answer.backend).to.equal('anthropic');
      expect(answer.module).to.equal('arangodb');
      expect(api!.messageRequests.at(-1)?.body?.model).to.equal('claude-test');
      const request = api!.messageRequests.at(-1)?.body;
      const system = JSON.stringify(request?.system);
      expect(system).to.contain('Card of module arangodb').and.to.contain('document.ingest@1');
      expect(system).to.contain('Recent conversations of arangodb');
      expect(system).to.contain('pdf.requirements.query@1 requester -> arangodb: completed');
      expect(answer.historyConversations).to.be.greaterThan(0);
      expect(JSON.stringify(request?.messages)).to.contain('What does arangodb do?');
    });

    it('has the model review the rule findings of a compatibility check, keeping the rules\' verdict', async () => {
      const requester = await bus.actor({ name: 'requester' }).start();
      api!.enqueue({ kind: 'tool', input: { summary: 'Fits arangodb; tables keep their cells.', warnings: [{ field: 'blocks.Table', message: 'merged cells are flattened' }] } });
      const result = await requester.ask<PdfCompatibilityResult>('advisor', 'pdf.compatibility.check@1', { consumer: 'arangodb', document: document() });
      expect(result.method).to.equal('model');
      expect(result.backend).to.equal('anthropic');
      expect(result.compatible).to.equal(true);
      expect(result.summary).to.equal('Fits arangodb; tables keep their cells.');
      expect(result.findings.find((f) => f.field === 'blocks.Table')).to.include({ status: 'warning', message: 'model review: merged cells are flattened' });
      expect(JSON.stringify(api!.messageRequests.at(-1)?.body?.messages)).to.contain('metadata.pageCount');
    });
  });
});
