import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';

/** A PDF drawn by `draw` with pdfkit (no margins, uncompressed, fixed creation date). */
export function pdfOf(draw: (doc: PDFKit.PDFDocument) => void, size: 'A4' | 'LETTER' = 'A4'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size, margin: 0, compress: false, info: { CreationDate: new Date(0) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    draw(doc);
    doc.end();
  });
}

/** A temporary folder for the current mocha suite, removed after it; `write` puts a drawn PDF there. */
export function generatedPdfs(prefix: string): { write(name: string, draw: (doc: PDFKit.PDFDocument) => void, size?: 'A4' | 'LETTER'): Promise<string> } {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    async write(name, draw, size) {
      const path = join(dir, name);
      writeFileSync(path, await pdfOf(draw, size));
      return path;
    },
  };
}
