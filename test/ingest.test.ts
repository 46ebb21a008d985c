import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommsError } from '../protocol/index.ts';
import { extractPdf } from '../extraction/index.ts';
import { sanitizeKey, toCollections, writeJsonl, writeToArango, type Collections } from '../ingest/index.ts';
import type { PdfDocument } from '../protocol/pdf/index.ts';
import { samplePath } from '../samples/index.ts';
import { checkIntegrity, KEY } from './support/collections.ts';

// The generated sample article (samples/make-sample-pdf.ts); real-world files: eval/corpus/ingest.test.ts.
describe('ingest (arangodb side)', function () {
  this.timeout(60_000);
  let doc: PdfDocument;
  let out: string;

  before(async () => {
    doc = await extractPdf(await samplePath('sample.pdf'));
    out = await mkdtemp(join(tmpdir(), 'comms-ingest-'));
  });
  after(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('maps the sample article to collections whose edges all resolve', () => {
    const c = toCollections(doc);
    expect(c.documents).to.have.length(1);
    expect(c.documents[0]!._key).to.equal(doc.metadata.sha256);
    expect(c.sections).to.have.length(doc.sections.length);
    expect(c.blocks).to.have.length(doc.blocks.length);
    expect(c.next).to.have.length(doc.blocks.length - 1);
    checkIntegrity(c);
    // Every block is contained exactly once by a section or the document.
    const containedBlocks = c.contains.filter((e) => e.kind === 'section-block' || e.kind === 'document-block').map((e) => e._to);
    expect(new Set(containedBlocks).size).to.equal(doc.blocks.length);
    expect(containedBlocks).to.have.length(doc.blocks.length);
    // Both captions (table and figure) point at what they describe; sections nest (1 > 1.1 > 1.1.1).
    expect(c.references.filter((e) => e.kind === 'caption-of')).to.have.length(2);
    expect(c.sections).to.have.length(10);
    expect(c.contains.filter((e) => e.kind === 'section-section')).to.have.length(6);
  });

  it('keeps edge integrity on the long, scanned, vector-only and owner-encrypted samples', async () => {
    for (const f of ['long.pdf', 'scan.pdf', 'scan-mixed.pdf', 'vector-only.pdf', 'owner-only.pdf'] as const) {
      checkIntegrity(toCollections(await extractPdf(await samplePath(f))));
    }
  });

  it('writes arangoimport-ready JSONL files', async () => {
    const c = toCollections(doc);
    const paths = await writeJsonl(c, out);
    expect(Object.keys(paths).sort()).to.deep.equal(['blocks', 'contains', 'documents', 'next', 'references', 'sections']);
    for (const [name, path] of Object.entries(paths)) {
      const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
      expect(lines.length, name).to.equal(c[name as keyof Collections].length);
      const back = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(back).to.deep.equal(JSON.parse(JSON.stringify(c[name as keyof Collections])));
    }
  });

  it('sanitises keys to ArangoDB characters and length', () => {
    expect(sanitizeKey('/page/0/Text/1')).to.equal('page-0-Text-1');
    expect(sanitizeKey('a b#c')).to.equal('a_b_c');
    const long = sanitizeKey('x'.repeat(400));
    expect(long.length).to.be.at.most(254);
    expect(long).to.match(KEY);
    expect(sanitizeKey('x'.repeat(400))).to.equal(long);
  });

  it('never makes a document key that is a path step (. or ..), so JSONL stays inside outDir', () => {
    for (const raw of ['.', '..', '...', '/..', '../', '']) {
      const key = sanitizeKey(raw);
      expect(key, JSON.stringify(raw)).to.match(KEY);
      expect(key, JSON.stringify(raw)).to.not.match(/^\.+$/);
    }
    // document.ingest@1 comes from the bus: without a sha256 the key is the filename it names.
    const { sha256: _drop, ...metadata } = doc.metadata;
    const hostile = { ...doc, metadata: { ...metadata, source: { ...doc.metadata.source, filename: '..' } } } as PdfDocument;
    const key = toCollections(hostile).documents[0]!._key;
    expect(key).to.not.equal('..');
    expect(join(out, key).startsWith(`${out}/`)).to.equal(true);
  });

  // No ArangoDB runs here: only the argument checks are exercised, which fail before any connection.
  it('rejects a bad ArangoDB target with E_CONFIG_INVALID', async () => {
    const c = toCollections(doc);
    for (const target of [
      { url: 'not a url', database: 'comms' },
      { url: 'ftp://localhost:8529', database: 'comms' },
      { url: 'http://localhost:8529', database: 'bad name/!' },
      { url: 'http://localhost:8529', database: 'comms', password: 'x' },
    ]) {
      try {
        await writeToArango(c, target);
        expect.fail('should reject');
      } catch (e) {
        expect(e).to.be.instanceOf(CommsError);
        expect((e as CommsError).code).to.equal('E_CONFIG_INVALID');
      }
    }
  });
});
