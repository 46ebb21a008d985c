/**
 * extraction/pdfjs-text-pass.ts: pdf.js's text pass, changed to report fonts and images, is the
 * extractor's only pass over a page. These tests check what the changes promise on generated PDFs,
 * and that a pdf.js whose source no longer matches is refused by name rather than used changed
 * differently.
 */
import { expect } from 'chai';
import { extractPdf } from '../extraction/index.ts';
import { applyPatches, TEXT_PASS_PATCHES } from '../extraction/pdfjs-text-pass.ts';
import { CommsError } from '../protocol/index.ts';
import { chartPng } from '../samples/png.ts';
import { generatedPdfs } from './support/generated-pdf.ts';

describe('pdf.js text pass reporting fonts and images', function () {
  this.timeout(60_000);
  const pdfs = generatedPdfs('comms-text-pass-');

  async function extract(name: string, draw: (doc: PDFKit.PDFDocument) => void) {
    return extractPdf(await pdfs.write(name, draw, 'LETTER'), { workers: 0 });
  }

  it('counts an image XObject each time it is painted, also under the same name', async () => {
    const d = await extract('twice.pdf', (doc) => {
      doc.fontSize(11).text('Prose above two copies of one chart.', 72, 72, { width: 460 });
      // One image object painted twice under its one name (openImage is pdfkit's, missing from its typings).
      const chart = (doc as unknown as { openImage(src: Buffer): unknown }).openImage(chartPng()) as Buffer;
      doc.image(chart, 100, 150, { width: 200, height: 100 });
      doc.image(chart, 100, 400, { width: 200, height: 100 });
    });
    expect(d.pages?.[0]?.imageCount).to.equal(2);
    const boxes = d.blocks.filter((b) => b.blockType === 'Figure').map((b) => b.bbox.map((v) => Math.round(v)));
    expect(boxes).to.deep.include.members([[100, 150, 300, 250], [100, 400, 300, 500]]);
  });

  it('counts an inline image (BI ... ID ... EI) where it is painted', async () => {
    const d = await extract('inline.pdf', (doc) => {
      doc.fontSize(11).text('Prose above an inline image.', 72, 72, { width: 460 });
      // pdfkit's user space has its origin at the top left (it flips y once at the start of the page).
      doc.addContent('q 120 0 0 60 150 300 cm BI /W 2 /H 1 /BPC 8 /CS /G /F /AHx ID 00ff> EI Q');
    });
    expect(d.pages?.[0]?.imageCount).to.equal(1);
  });

  it('still styles text by its font (bold, monospace) without an operator list pass', async () => {
    const d = await extract('fonts.pdf', (doc) => {
      doc.font('Helvetica-Bold').fontSize(16).text('1 Introduction', 72, 72);
      doc.font('Helvetica').fontSize(11).text('Body text of the introduction, long enough to be a paragraph of prose that wraps. '.repeat(3), 72, 100, { width: 460 });
      doc.font('Courier').fontSize(11).text('const x = f(y);', 72, 200);
    });
    const heading = d.blocks.find((b) => b.text?.includes('Introduction'));
    expect(heading?.blockType).to.equal('SectionHeader');
  });

  it('refuses a pdf.js source that does not match a change, naming it', () => {
    const source = 'class Nothing {}';
    expect(() => applyPatches(source, TEXT_PASS_PATCHES))
      .to.throw(CommsError)
      .that.satisfies((e: CommsError) => e.code === 'E_INTERNAL' && e.message.includes(TEXT_PASS_PATCHES[0]!.name));
  });
});
