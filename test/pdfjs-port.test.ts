/**
 * The pdf.js internals extraction/pdfjs-port.ts relies on. Each test compares what the extractor
 * gets through its own port (and with font faces "supported") with what pdf.js's own set-up
 * gives, on generated PDFs, so a pdf.js change that breaks an assumption shows up here.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { AnnotationMode, getDocument, VerbosityLevel, version } from '../extraction/pdfjs.ts';
import { copyMessage, FONT_FACE_OPTIONS, getPage, inThreadWorker, PDFJS_CHECKED_VERSION } from '../extraction/pdfjs-port.ts';
import { chartPng } from '../samples/png.ts';
import { generatedPdfs } from './support/generated-pdf.ts';

/** Over pdf.js's 1,000-operator chunk: 500 filled squares, each in its own save/restore. */
function busyPage(doc: PDFKit.PDFDocument): void {
  doc.font('Helvetica').fontSize(11).text('Plain text in Helvetica, first line.', 72, 60);
  doc.font('Courier-Bold').fontSize(10).text('Bold monospace text: x = f(y);', 72, 80);
  for (let i = 0; i < 500; i++) doc.save().rect(72 + (i % 25) * 18, 120 + Math.floor(i / 25) * 18, 10, 10).fill('#777777').restore();
  doc.image(chartPng(), 100, 520, { width: 240, height: 120 });
  doc.font('Times-Roman').fontSize(12).text('Text after the drawing, in Times.', 72, 700);
}

/** pdfkit's fonts are the standard 14, not embedded: pdf.js loads their programs from here (as open.ts has it). */
const standardFontDataUrl = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/';

async function open(data: Uint8Array, options: Record<string, unknown>): Promise<PDFDocumentProxy> {
  const base = { data: new Uint8Array(data), verbosity: VerbosityLevel.ERRORS, maxImageSize: 0, fontExtraProperties: true, isEvalSupported: false, standardFontDataUrl };
  return getDocument({ ...base, ...options }).promise;
}

/** Font ids name their document (g_d3_f1); documents opened one after another differ in that alone. */
const sameIds = (json: string) => json.replace(/g_d\d+_/g, 'g_');

/** What the extractor reads of a page: operator list, text content, and the fonts it names. */
async function readAll(doc: PDFDocumentProxy) {
  const page = await doc.getPage(1);
  const ops = await page.getOperatorList({ annotationMode: AnnotationMode.DISABLE });
  const text = await page.getTextContent({ includeMarkedContent: false });
  const fonts: Record<string, unknown> = {};
  let outlines = 0;
  for (const [id, obj] of page.commonObjs as unknown as Iterable<[string, { name?: string; bold?: boolean; isMonospace?: boolean; differences?: unknown; toUnicode?: unknown }]>) {
    if (id.includes('_path_')) outlines++;
    else fonts[sameIds(id)] = { name: obj?.name, bold: obj?.bold, mono: obj?.isMonospace, differences: obj?.differences, toUnicode: JSON.stringify(obj?.toUnicode) };
  }
  // Through the in-thread port arguments are pdf.js's own objects (class instances); JSON gives both sides' data alike.
  return { fn: ops.fnArray, args: sameIds(JSON.stringify(ops.argsArray)), text: sameIds(JSON.stringify(text)), fonts, outlines };
}

/** pdf.js 5.4.624 refuses page 6 of a 6-page document when a 1-page document was opened after it. */
async function pdfjsRefusesPage6(doc: PDFDocumentProxy): Promise<void> {
  let failed = false;
  await doc.getPage(6).catch(() => (failed = true));
  expect(failed, 'pdf.js checks pages against its per-thread count; if it no longer does, getPage needs no workaround').to.equal(true);
}

describe('pdf.js internals used by the extractor (pdfjs-port.ts)', function () {
  this.timeout(60_000);
  const pdfs = generatedPdfs('comms-pdfjs-port-');
  let data: Uint8Array;

  before(async () => {
    data = new Uint8Array(await readFile(await pdfs.write('busy.pdf', busyPage)));
  });

  it('runs against the pdf.js version its assumptions were checked on', () => {
    expect(version).to.equal(PDFJS_CHECKED_VERSION);
  });

  it('gives the operator list (over one chunk) and text content exactly as pdf.js own LoopbackPort does', async () => {
    const ours = await open(data, { worker: inThreadWorker(), ...FONT_FACE_OPTIONS });
    const theirs = await open(data, { ...FONT_FACE_OPTIONS });
    try {
      const a = await readAll(ours);
      const b = await readAll(theirs);
      expect(a.fn.length).to.be.greaterThan(1000);
      expect(a.fn).to.deep.equal(b.fn);
      expect(a.args).to.equal(b.args);
      expect(a.text).to.equal(b.text);
      expect(a.fonts).to.deep.equal(b.fonts);
    } finally {
      await ours.destroy();
      await theirs.destroy();
    }
  });

  it('builds no glyph outlines with the font face stand-in, and gives the same text and fonts', async () => {
    const ours = await open(data, { worker: inThreadWorker(), ...FONT_FACE_OPTIONS });
    const outlined = await open(data, { worker: inThreadWorker(), disableFontFace: true });
    try {
      const a = await readAll(ours);
      const b = await readAll(outlined);
      // The comparison can fail: pdf.js's default in Node does build them.
      expect(b.outlines).to.be.greaterThan(0);
      expect(a.outlines).to.equal(0);
      expect(a.text).to.equal(b.text);
      expect(a.fonts).to.deep.equal(b.fonts);
      expect(Object.values(a.fonts).map((f) => (f as { name: string }).name)).to.include.members(['Helvetica', 'Courier-Bold', 'Times-Roman']);
    } finally {
      await ours.destroy();
      await outlined.destroy();
    }
  });

  it('serves several documents at once on one worker, and keeps serving after one is destroyed', async () => {
    const [a, b] = await Promise.all([open(data, { worker: inThreadWorker(), ...FONT_FACE_OPTIONS }), open(data, { worker: inThreadWorker(), ...FONT_FACE_OPTIONS })]);
    const [ra, rb] = await Promise.all([readAll(a), readAll(b)]);
    expect(ra.text).to.equal(rb.text);
    await a.destroy();
    const again = await readAll(b);
    expect(again.text).to.equal(ra.text);
    await b.destroy();
  });

  it('reads every page of a long document while a shorter one, opened after it, is open too', async () => {
    const long = await open(new Uint8Array(await readFile(await pdfs.write('six.pdf', (doc) => {
      for (let i = 1; i <= 6; i++) {
        if (i > 1) doc.addPage();
        doc.font('Helvetica').fontSize(12).text(`Page ${i} of six`, 72, 72);
      }
    }))), { worker: inThreadWorker(), ...FONT_FACE_OPTIONS });
    const short = await open(data, { worker: inThreadWorker(), ...FONT_FACE_OPTIONS });
    try {
      // pdf.js's own check uses the page count of the document loaded last (the reason for getPage).
      await pdfjsRefusesPage6(long);
      const page = await getPage(long, 6);
      const text = await page.getTextContent();
      expect(text.items.map((i) => ('str' in i ? i.str : '')).join('')).to.equal('Page 6 of six');
      expect((await getPage(short, 1)).pageNumber).to.equal(1);
    } finally {
      await long.destroy();
      await short.destroy();
    }
  });

  describe('copyMessage', () => {
    it('copies the arrays of an operator list chunk, which pdf.js empties after sending', () => {
      const fnArray = [1, 2, 3];
      const argsArray: unknown[] = [[0], null, ['a']];
      const got = copyMessage({ stream: 4, streamId: 1, chunk: { fnArray, argsArray, lastChunk: false, length: 3 } }) as { chunk: { fnArray: number[]; argsArray: unknown[] } };
      fnArray.length = 0;
      argsArray.length = 0;
      expect(got.chunk.fnArray).to.deep.equal([1, 2, 3]);
      expect(got.chunk.argsArray).to.deep.equal([[0], null, ['a']]);
    });

    it('keeps the items of a text chunk whose object pdf.js refills after sending', () => {
      const chunk = { items: [{ str: 'a' }], styles: { f1: {} } as Record<string, object>, lang: null as string | null };
      const got = copyMessage({ stream: 4, streamId: 2, chunk }) as { chunk: typeof chunk };
      chunk.items = [];
      chunk.styles = {};
      expect(got.chunk.items).to.deep.equal([{ str: 'a' }]);
      expect(got.chunk.styles).to.have.property('f1');
    });

    it('clones every other message, as pdf.js own port does', () => {
      const data = { info: { Title: 'x' } };
      const got = copyMessage({ action: 'GetMetadata', data }) as { data: typeof data };
      data.info.Title = 'changed';
      expect(got.data.info.Title).to.equal('x');
    });
  });
});
