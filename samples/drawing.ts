/** Shared pdfkit helpers of the sample generator: the document setup, fonts, filler text and the text elements every variant uses. */
import PDFDocument from 'pdfkit';
import { SAMPLE, type SampleOptions } from './sample-spec.ts';

const FIXED_DATE = new Date(SAMPLE.created);
export const MARGIN = 72;
export const BODY = 10.5;
export const FONT = { body: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique', math: 'Symbol' } as const;
const HEADING_SIZE: Record<number, number> = { 1: 17, 2: 14, 3: 12 };

const LOREM = [
  'This document exists so that the message bus can show a real conversion without any file from outside the repository.',
  'Every element a reader expects in a technical article appears at least once, and each is set the way common writers set it.',
  'The extractor reads the text layer page by page, groups lines into blocks and assigns each block a role from its position, size and weight.',
  'Sections nest under their headings, so an ingest can attach every block to the section that contains it.',
];
export const para = (i: number, n = 2): string => Array.from({ length: n }, (_, k) => LOREM[(i + k) % LOREM.length]).join(' ');

/** Render `doc` to a Buffer. */
export function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  return new Promise((resolvePdf, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolvePdf(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.end();
  });
}

export function newDocument(opts: SampleOptions, title: string): PDFKit.PDFDocument {
  const encrypted = opts.userPassword !== undefined || opts.ownerPassword !== undefined;
  return new PDFDocument({
    size: 'LETTER',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    autoFirstPage: false,
    compress: true,
    // RC4 (PDF 1.4) keeps encrypted output deterministic; pdfkit's AES uses random IVs.
    ...(encrypted ? { pdfVersion: '1.4' as const } : {}),
    ...(opts.userPassword !== undefined ? { userPassword: opts.userPassword } : {}),
    ...(opts.ownerPassword !== undefined ? { ownerPassword: opts.ownerPassword } : {}),
    info: {
      Title: title,
      Author: SAMPLE.authors.join('; '),
      Subject: SAMPLE.subject,
      Keywords: SAMPLE.keywords.join(', '),
      Creator: 'claude-comms samples/make-sample-pdf.ts',
      Producer: 'PDFKit',
      CreationDate: FIXED_DATE,
      ModDate: FIXED_DATE,
    },
    lang: 'en-US',
  });
}

export function heading(doc: PDFKit.PDFDocument, parents: PDFKit.PDFOutline[], text: string, level: number): void {
  doc.moveDown(level === 1 ? 0.9 : 0.6);
  const top = doc.y;
  doc.font(FONT.bold).fontSize(HEADING_SIZE[level]!).fillColor('black').text(text);
  doc.moveDown(0.35);
  const parent = level === 1 ? doc.outline : parents[level - 2]!;
  // pdfkit measures the destination from the top edge: this opens the bookmark at the heading.
  parents[level - 1] = parent.addItem(text, { fit: false, top, left: doc.page.width - MARGIN, expanded: true } as { expanded?: boolean });
  parents.length = level;
  doc.font(FONT.body).fontSize(BODY);
}

export function paragraph(doc: PDFKit.PDFDocument, text: string): void {
  doc.font(FONT.body).fontSize(BODY).fillColor('black').text(text, { align: 'justify', lineGap: 2 });
  doc.moveDown(0.6);
}

export function list(doc: PDFKit.PDFDocument, items: readonly string[], ordered: boolean): void {
  doc.font(FONT.body).fontSize(BODY);
  items.forEach((item, i) => {
    const marker = ordered ? `${i + 1}.` : '\u2022';
    doc.text(`${marker} ${item}`, MARGIN + 14, doc.y, { lineGap: 2 });
    doc.moveDown(0.45);
  });
  doc.x = MARGIN;
  doc.moveDown(0.5);
}

/** Running header and page numbers, written once every page exists (bufferPages). */
export function decorate(doc: PDFKit.PDFDocument, header: boolean): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Text outside the margins must not make pdfkit add a page.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    if (header) doc.font(FONT.italic).fontSize(8).fillColor('#444444').text(SAMPLE.runningHeader, MARGIN, 40, { lineBreak: false });
    doc.font(FONT.body).fontSize(9).fillColor('black').text(String(i + 1), 0, doc.page.height - 45, { width: doc.page.width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}
