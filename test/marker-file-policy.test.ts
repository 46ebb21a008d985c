import { expect } from 'chai';
import { samplePath } from '../samples/index.ts';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { Actor } from '../actors/runtime/index.ts';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError } from '../protocol/index.ts';
import { PDF_CONVERT_SCHEMA_ID, type PdfConvert, type PdfConvertResult } from '../protocol/pdf/index.ts';

let PDF: string;
const logger = createLogger('test', process.env.COMMS_LOG_LEVEL ?? 'silent');
const MAX_PDF_BYTES = 1024 * 1024;

describe('marker reads files by policy (docs/security.md, File access by policy)', function () {
  this.timeout(120_000);
  let broker: EmbeddedBroker;
  let dir: string;
  let root: string;
  let arangodb: Actor;
  let marker: Actor;
  let client: Actor;
  let web: Server;
  let webUrl: string;

  before(async () => {
    PDF = await samplePath('sample.pdf');
    dir = await mkdtemp(join(tmpdir(), 'comms-marker-policy-'));
    root = join(dir, 'inputs');
    await mkdir(root);
    await copyFile(PDF, join(root, 'inside.pdf'));
    // What a hostile requester would like marker to read: a secret next to the root, and links out of it.
    await writeFile(join(dir, 'secrets.json'), '{"password":"hunter2"}');
    await symlink(join(dir, 'secrets.json'), join(root, 'link-out.pdf'));
    await symlink('/etc/passwd', join(root, 'passwd.pdf'));
    const pdfBytes = await readFile(PDF);
    web = createServer((req, res) => {
      if (req.url === '/paper.pdf') return void res.writeHead(200, { 'content-type': 'application/pdf' }).end(pdfBytes);
      if (req.url === '/endless.pdf') {
        // No Content-Length, and more than marker's cap: only counting the bytes stops it.
        res.writeHead(200, { 'content-type': 'application/pdf' });
        const chunk = Buffer.alloc(64 * 1024, 0x25);
        const pump = () => {
          while (res.write(chunk)) {
            if (res.writableLength > 4 * MAX_PDF_BYTES) break;
          }
        };
        res.on('drain', pump);
        pump();
        return;
      }
      res.writeHead(404).end('not here');
    });
    web.listen(0, '127.0.0.1');
    await once(web, 'listening');
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;

    broker = await startBroker({ port: 0 });
    arangodb = await createArangodbActor({ url: broker.url, outDir: join(dir, 'ingest'), arango: false, logger }).start();
    marker = await createMarkerActor({ url: broker.url, inputRoots: [root], maxPdfBytes: MAX_PDF_BYTES, logger }).start();
    client = await new Actor({ name: 'client', clientId: 'client-policy', url: broker.url, logger }).start();
  });

  after(async () => {
    await client?.stop();
    await marker?.stop();
    await arangodb?.stop();
    await broker?.close();
    web?.closeAllConnections();
    web?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const convert = (body: Partial<PdfConvert>) => client.ask<PdfConvertResult>('marker', PDF_CONVERT_SCHEMA_ID, { ingest: false, ...body }, { timeoutMs: 60_000 });
  const failure = (body: Partial<PdfConvert>) => convert(body).then(
    () => {
      throw new Error(`expected ${JSON.stringify(body).slice(0, 100)} to be refused`);
    },
    (err: unknown) => err as CommsError,
  );

  it('converts a PDF under an input folder', async () => {
    const result = await convert({ path: join(root, 'inside.pdf') });
    expect(result.validation.valid).to.equal(true);
    expect(result.document.pageCount).to.be.greaterThan(0);
  });

  it('refuses every other path with one code and one message, whether it exists or not', async () => {
    const paths = [
      '/etc/passwd',
      join(dir, 'secrets.json'),
      '/proc/self/environ',
      join(dir, 'missing.pdf'),
      join(root, 'missing.pdf'),
      join(root, 'link-out.pdf'),
      join(root, 'passwd.pdf'),
      join(root, '..', 'secrets.json'),
    ];
    const refusals = await Promise.all(paths.map((path) => failure({ path })));
    for (const [i, error] of refusals.entries()) {
      expect(error.code, paths[i]).to.equal('E_INPUT_REFUSED');
      expect(error.details, paths[i]).to.equal(undefined);
    }
    // With the path itself blanked out the messages are identical: nothing tells an existing file from a missing one.
    const messages = new Set(refusals.map((error, i) => error.message.replace(JSON.stringify(paths[i]), 'PATH')));
    expect([...messages]).to.have.length(1);
    expect([...messages][0]).to.contain('--inputs DIR').and.not.contain('ENOENT');
  });

  it('converts PDF bytes sent as base64 content', async () => {
    const content = (await readFile(PDF)).toString('base64');
    const result = await convert({ content, filename: 'sent.pdf' });
    expect(result.validation.valid).to.equal(true);
  });

  it('fetches an http URL, with a size cap and a clear error for a missing one', async () => {
    const result = await convert({ url: `${webUrl}/paper.pdf` });
    expect(result.validation.valid).to.equal(true);
    const endless = await failure({ url: `${webUrl}/endless.pdf` });
    expect(endless.code).to.equal('E_TOO_LARGE');
    expect(endless.message).to.contain(String(MAX_PDF_BYTES));
    const missing = await failure({ url: `${webUrl}/nothing.pdf` });
    expect(missing.code).to.equal('E_PDF_INVALID');
    expect(missing.message).to.contain('HTTP 404');
  });

  it('refuses non-http URLs and requests naming no source or two', async () => {
    expect((await failure({ url: 'file:///etc/passwd' })).code).to.equal('E_INPUT_REFUSED');
    const two = await failure({ path: join(root, 'inside.pdf'), url: `${webUrl}/paper.pdf` });
    expect(two.code).to.equal('E_SCHEMA_INVALID');
    expect(two.message).to.contain('exactly one of path, content');
    expect((await failure({})).code).to.equal('E_SCHEMA_INVALID');
  });
});
