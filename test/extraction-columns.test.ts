import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { extractPdf } from '../extraction/index.ts';

/**
 * Two columns under a full-width title, every line placed explicitly (each names its column and
 * number). The left column holds two paragraphs, so its second block starts below the top of the
 * right column's block: ordering blocks by position alone would read left, right, left; only a
 * column cut keeps the whole left column first. `gutter` is the white space between the longest
 * left line and the right column.
 */
function twoColumnPdf(gutter: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, compress: false, info: { CreationDate: new Date(0) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const line = (name: string, i: number) => `${name}${i} alpha beta gamma delta epsilon zeta eta.`;
    doc.font('Helvetica').fontSize(10);
    doc.text('A Title Set Across Both Columns', 50, 50, { width: 495, align: 'center', lineBreak: false });
    const rightX = 50 + Math.max(...Array.from({ length: 30 }, (_, i) => doc.widthOfString(line('Left', i)))) + gutter;
    for (let i = 0; i < 30; i++) {
      doc.text(line('Left', i), 50, 80 + i * 12 + (i >= 12 ? 12 : 0), { lineBreak: false });
      doc.text(line('Right', i), rightX, 80 + i * 12, { lineBreak: false });
    }
    doc.end();
  });
}

describe('reading order of two columns', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'comms-columns-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const gutter of [7, 12, 24]) {
    it(`reads the left column to its end before the right one (gutter ${gutter} pt under a full-width title)`, async () => {
      const path = join(dir, `columns-${gutter}.pdf`);
      writeFileSync(path, await twoColumnPdf(gutter));
      const d = await extractPdf(path, { workers: 0 });
      const text = d.blocks.map((b) => b.text).join('\n');
      const order = [...text.matchAll(/\b(Left|Right)(\d+)\b/g)].map((m) => `${m[1]}${m[2]}`);
      const expected = [...Array.from({ length: 30 }, (_, i) => `Left${i}`), ...Array.from({ length: 30 }, (_, i) => `Right${i}`)];
      expect(order).to.deep.equal(expected);
      expect(text.indexOf('A Title Set Across Both Columns')).to.be.lessThan(text.indexOf('Left0'));
    });
  }
});
