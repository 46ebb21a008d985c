import { expect } from 'chai';
import { extractPdf } from '../extraction/index.ts';
import { chartPng, scanPng } from '../samples/png.ts';
import { generatedPdfs } from './support/generated-pdf.ts';

describe('image boxes without decoding images', function () {
  this.timeout(60_000);
  const pdfs = generatedPdfs('comms-images-');

  async function extract(name: string, draw: (doc: PDFKit.PDFDocument) => void) {
    return extractPdf(await pdfs.write(name, draw, 'LETTER'), { workers: 0 });
  }

  it('places each painted image where it is drawn, and counts no empty transformed group as one', async () => {
    const d = await extract('figure.pdf', (doc) => {
      doc.fontSize(11).text('A page of prose with one figure under it, so the figure is not a scan.', 72, 72, { width: 460 });
      doc.image(chartPng(), 100, 200, { width: 240, height: 120 });
      // Groups that only move the origin and paint nothing (TeX and TikZ emit these) are not images.
      doc.save().transform(1, 0, 0, 1, 300, 500).restore();
      doc.save().transform(5, 0, 0, 5, 300, 520).restore();
      // A filled rectangle under a transform paints, so its group is not an image either.
      doc.save().transform(40, 0, 0, 40, 350, 550).rect(0, 0, 1, 1).fill('#888888').restore();
    });
    expect(d.pages?.[0]?.imageCount).to.equal(1);
    const figures = d.blocks.filter((b) => b.blockType === 'Figure');
    expect(figures).to.have.length(1);
    const [x0, y0, x1, y1] = figures[0]!.bbox.map((v) => Math.round(v));
    expect([x0, y0, x1, y1]).to.deep.equal([100, 200, 340, 320]);
  });

  it('flags a page that is one full-page image (a scan) for OCR', async () => {
    const d = await extract('scan.pdf', (doc) => {
      doc.image(scanPng(1), 0, 0, { width: 612, height: 792 });
    });
    expect(d.pages?.[0]?.imageCount).to.equal(1);
    expect(d.metadata.needsOcrPages).to.deep.equal([0]);
  });
});
