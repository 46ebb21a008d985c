import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor } from '../actors/runtime/index.ts';
import { extractPdf } from '../extraction/index.ts';
import { createLogger } from '../logging/index.ts';
import { PDF_REQUIREMENTS_VERSION, type DocumentIngestResult, type PdfRequirements } from '../protocol/pdf/index.ts';
import { samplePath } from '../samples/index.ts';
import { commsBin, commsRun, expectCliError, lineOn, repo } from './support/cli-process.ts';
import { startEmbeddingServer, type EmbeddingServer } from './support/embedding-servers.ts';

describe('embeddings in the running system: comms up --embeddings and comms embed (docs/embeddings.md)', function () {
  this.timeout(120_000);
  let dir: string;
  let up: ChildProcess;
  let url: string;
  let server: EmbeddingServer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'comms-embed-cli-'));
    server = await startEmbeddingServer('ollama');
    up = spawn(process.execPath, [commsBin, 'up', '--insecure', '--data', join(dir, 'data'), '--port', '0', '--ws-port', '0', '--no-dashboard', '--embeddings', `ollama:${server.url}?model=all-minilm`], {
      cwd: repo,
      env: { ...process.env, COMMS_LOG_LEVEL: 'silent' },
    });
    url = (await lineOn(up, 'stdout', /broker (mqtt:\/\/[^\s,]+)/))[1] as string;
  });

  after(async () => {
    if (up.exitCode === null) {
      up.kill('SIGTERM');
      await new Promise((resolve) => up.once('exit', resolve));
    }
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the running arangodb advertises the provider, embeds at ingest, and comms embed re-embeds a document by key', async () => {
    const asked = await commsRun(['ask', 'arangodb', 'pdf.requirements.query@1', '{}', '--url', url]);
    expect(asked.code, asked.stderr).to.equal(0);
    expect((JSON.parse(asked.stdout) as PdfRequirements).embedding).to.include({ provided: true, model: 'all-minilm', dimensions: 384 });

    const client = new Actor({ name: 'client', clientId: 'client-embed-cli', url, logger: createLogger('client', 'silent') });
    await client.start();
    let ingest: DocumentIngestResult;
    try {
      const document = await extractPdf(await samplePath('sample.pdf'));
      ingest = await client.request<DocumentIngestResult>('arangodb', 'document.ingest@1', { requirementsVersion: PDF_REQUIREMENTS_VERSION, document }).result;
    } finally {
      await client.stop();
    }
    expect(ingest.embeddings.written).to.be.greaterThan(0);
    const before = server.requests.length;

    const embedded = await commsRun(['embed', ingest.documentKey, '--url', url]);
    expect(embedded.code, embedded.stderr).to.equal(0);
    expect(JSON.parse(embedded.stdout)).to.deep.include({ documentKey: ingest.documentKey, written: ingest.embeddings.written, model: 'all-minilm', dimensions: 384 });
    expect(server.requests.length).to.be.greaterThan(before);

    const missing = expectCliError(await commsRun(['embed', 'no-such-document', '--url', url]), 'E_NOT_FOUND', { afterProgress: true });
    expect(missing.message).to.contain('no-such-document');
  });

  it('npm start (comms up --demo) takes the provider from COMMS_EMBEDDINGS: the flagship ingest asks it for vectors', async () => {
    const demoServer = await startEmbeddingServer('tei');
    try {
      const run = await commsRun(['up', '--demo', '--data', join(dir, 'demo')], { env: { COMMS_EMBEDDINGS: `tei:${demoServer.url}` } });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.contain('validation: valid');
      expect(demoServer.requests.length).to.be.greaterThan(0);
      expect(demoServer.requests.every((r) => r.path === '/embed' && Array.isArray(r.body['inputs']))).to.equal(true);
    } finally {
      await demoServer.close();
    }
  });

  it('a malformed --embeddings stops comms up with E_CONFIG_INVALID naming the problem', async () => {
    const run = await commsRun(['up', '--insecure', '--data', join(dir, 'bad'), '--port', '0', '--ws-port', '0', '--no-dashboard', '--embeddings', 'cohere:http://127.0.0.1:1']);
    expect(expectCliError(run, 'E_CONFIG_INVALID').message).to.contain('unknown API "cohere"');
  });
});
