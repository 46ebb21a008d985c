/** The variants for the error paths (scan, vector-only, long, damaged) and the table of every generated file. */
import { article } from './article.ts';
import { collect, decorate, FONT, newDocument, para, paragraph } from './drawing.ts';
import { scanPng } from './png.ts';
import { SAMPLE, type SampleOptions } from './sample-spec.ts';

async function scan(opts: SampleOptions): Promise<Buffer> {
  const doc = newDocument(opts, 'Scanned sample');
  const text = new Set(opts.textPages ?? []);
  for (let i = 0; i < (opts.pages ?? 2); i++) {
    doc.addPage();
    if (text.has(i)) paragraph(doc, para(i, 3));
    else doc.image(scanPng(i), 36, 36, { width: doc.page.width - 72, height: doc.page.height - 72 });
  }
  return collect(doc);
}

async function vectorOnly(opts: SampleOptions): Promise<Buffer> {
  const doc = newDocument(opts, 'Vector drawing without text');
  doc.addPage();
  doc.rect(100, 100, 400, 250).lineWidth(2).stroke();
  doc.circle(300, 500, 80).fillColor('#3366aa').fill();
  doc.moveTo(100, 650).bezierCurveTo(200, 550, 400, 750, 500, 650).lineWidth(3).strokeColor('#aa3333').stroke();
  return collect(doc);
}

async function long(opts: SampleOptions): Promise<Buffer> {
  const doc = newDocument(opts, 'Long sample');
  const pages = opts.pages ?? SAMPLE.longPages;
  for (let p = 0; p < pages; p++) {
    doc.addPage();
    const title = `Chapter ${p + 1}`;
    doc.outline.addItem(title);
    doc.font(FONT.bold).fontSize(16).text(title);
    doc.moveDown(0.5);
    for (let k = 0; k < 4; k++) paragraph(doc, para(p + k, 2));
  }
  decorate(doc, false);
  return collect(doc);
}

/** Generate one sample document. */
export function makeSamplePdf(opts: SampleOptions = {}): Promise<Buffer> {
  switch (opts.variant ?? 'sample') {
    case 'sample':
      return article(opts);
    case 'scan':
      return scan(opts);
    case 'vector-only':
      return vectorOnly(opts);
    case 'long':
      return long(opts);
  }
}

/** Damaged files for the error paths. */
export async function makeDamagedPdf(kind: 'truncated' | 'header-only' | 'empty'): Promise<Buffer> {
  if (kind === 'empty') return Buffer.alloc(0);
  if (kind === 'header-only') return Buffer.from('%PDF-1.4\n%%EOF\n', 'latin1');
  // The first 300 bytes: a header and the start of the first object, no page tree, no xref.
  return (await makeSamplePdf()).subarray(0, 300);
}

/** Every generated file by name, with how to make it. */
export const SAMPLE_FILES = {
  'sample.pdf': () => makeSamplePdf(),
  'encrypted.pdf': () => makeSamplePdf({ userPassword: SAMPLE.password, ownerPassword: 'sample-owner' }),
  'owner-only.pdf': () => makeSamplePdf({ ownerPassword: 'sample-owner' }),
  'scan.pdf': () => makeSamplePdf({ variant: 'scan' }),
  'scan-mixed.pdf': () => makeSamplePdf({ variant: 'scan', pages: 3, textPages: [1] }),
  'vector-only.pdf': () => makeSamplePdf({ variant: 'vector-only' }),
  'long.pdf': () => makeSamplePdf({ variant: 'long' }),
  'truncated.pdf': () => makeDamagedPdf('truncated'),
  'header-only.pdf': () => makeDamagedPdf('header-only'),
  'empty.pdf': () => makeDamagedPdf('empty'),
} as const satisfies Record<string, () => Promise<Buffer>>;
export type SampleName = keyof typeof SAMPLE_FILES;
