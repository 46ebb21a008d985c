import { expect } from 'chai';
import { extractPdf } from '../extraction/index.ts';
import { generatedPdfs } from './support/generated-pdf.ts';

/**
 * Two columns under a full-width title, every line placed explicitly (each names its column and
 * number). The left column holds two paragraphs, so its second block starts below the top of the
 * right column's block: ordering blocks by position alone would read left, right, left; only a
 * column cut keeps the whole left column first. `gutter` is the white space between the longest
 * left line and the right column.
 */
function drawTwoColumns(gutter: number): (doc: PDFKit.PDFDocument) => void {
  return (doc) => {
    const line = (name: string, i: number) => `${name}${i} alpha beta gamma delta epsilon zeta eta.`;
    doc.font('Helvetica').fontSize(10);
    doc.text('A Title Set Across Both Columns', 50, 50, { width: 495, align: 'center', lineBreak: false });
    const rightX = 50 + Math.max(...Array.from({ length: 30 }, (_, i) => doc.widthOfString(line('Left', i)))) + gutter;
    for (let i = 0; i < 30; i++) {
      doc.text(line('Left', i), 50, 80 + i * 12 + (i >= 12 ? 12 : 0), { lineBreak: false });
      doc.text(line('Right', i), rightX, 80 + i * 12, { lineBreak: false });
    }
  };
}

/**
 * Two short columns (four lines each, too few for the gutter rule's five) set a narrow gutter
 * apart (less than an em) with the right column's baselines `shift` pt below the left one's:
 * each right line overlaps a left line vertically, so grouping items into lines by overlap
 * alone put both columns' lines into one line and one segment.
 */
function drawShortColumns(shift: number, gutter: number): (doc: PDFKit.PDFDocument) => void {
  return (doc) => {
    const line = (name: string, i: number) => `${name}${i} alpha beta gamma delta epsilon.`;
    doc.font('Helvetica').fontSize(10);
    const rightX = 50 + Math.max(...Array.from({ length: 4 }, (_, i) => doc.widthOfString(line('Left', i)))) + gutter;
    for (let i = 0; i < 4; i++) {
      doc.text(line('Left', i), 50, 80 + i * 12, { lineBreak: false });
      doc.text(line('Right', i), rightX, 80 + i * 12 + shift, { lineBreak: false });
    }
  };
}

describe('reading order of two columns', function () {
  this.timeout(60_000);
  const pdfs = generatedPdfs('comms-columns-');

  for (const gutter of [7, 12, 24]) {
    it(`reads the left column to its end before the right one (gutter ${gutter} pt under a full-width title)`, async () => {
      const path = await pdfs.write(`columns-${gutter}.pdf`, drawTwoColumns(gutter));
      const d = await extractPdf(path, { workers: 0 });
      const text = d.blocks.map((b) => b.text).join('\n');
      const order = [...text.matchAll(/\b(Left|Right)(\d+)\b/g)].map((m) => `${m[1]}${m[2]}`);
      const expected = [...Array.from({ length: 30 }, (_, i) => `Left${i}`), ...Array.from({ length: 30 }, (_, i) => `Right${i}`)];
      expect(order).to.deep.equal(expected);
      expect(text.indexOf('A Title Set Across Both Columns')).to.be.lessThan(text.indexOf('Left0'));
    });
  }

  for (const [shift, gutter] of [
    [3, 6],
    [5, 7],
    [-4, 6],
  ] as const) {
    it(`reads short columns with offset baselines one after the other (shift ${shift} pt, gutter ${gutter} pt, four lines)`, async () => {
      const path = await pdfs.write(`short-${shift}-${gutter}.pdf`, drawShortColumns(shift, gutter));
      const d = await extractPdf(path, { workers: 0 });
      const text = d.blocks.map((b) => b.text).join('\n');
      const order = [...text.matchAll(/\b(Left|Right)(\d+)\b/g)].map((m) => `${m[1]}${m[2]}`);
      expect(order).to.deep.equal(['Left0', 'Left1', 'Left2', 'Left3', 'Right0', 'Right1', 'Right2', 'Right3']);
      // Every line's words keep their spaces: no word of one line is glued to another's.
      expect(text).not.to.match(/epsilon\.(Left|Right)|\.[A-Z]|[a-z](Left|Right)\d/);
    });
  }
});
