import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { CommsError } from '../protocol/index.ts';
import { PDF_REQUIREMENTS_VERSION, buildSections, type OutlineEntry, type PdfDocument, type PdfPage } from '../protocol/pdf/index.ts';
import { bodySize, classify } from './classify.ts';
import { FontStyles } from './fonts.ts';
import type { Matrix } from './geometry.ts';
import { readMetadata } from './metadata.ts';
import { openPdf } from './open.ts';
import { readOutline } from './outline.ts';
import { readPage } from './page-reader.ts';
import type { PageLayout } from './types.ts';

export interface ExtractProgress {
  /** Pages done so far, 1..pageCount. */
  page: number;
  /** Pages that will be processed (maxPages applied). */
  pageCount: number;
}

export interface ExtractOptions {
  password?: string;
  onPage?: (p: ExtractProgress) => void;
  signal?: AbortSignal;
  /** Process only the first N pages; metadata.pageCount still tells the real length. */
  maxPages?: number;
  /** Take headings from the PDF outline when it has one (default true). */
  useOutline?: boolean;
}

/** Pages with fewer characters than this but with images are scans to OCR. */
const OCR_MAX_CHARS = 10;
/** pdf.js keeps fonts and decoded resources per document; dropping them now and then bounds memory. */
const CLEANUP_EVERY = 25;

function checkAbort(signal: AbortSignal | undefined, path: string): void {
  if (signal?.aborted) throw new CommsError('E_CANCELED', `Extraction of ${path} was canceled.`, { path });
}

function kindOf(info: { hasForm: boolean; creator?: string; producer?: string }, pages: PageLayout[], needsOcr: number[]): string {
  if (pages.length > 0 && needsOcr.length === pages.length) return 'scan';
  if (/beamer|powerpoint|impress|keynote/i.test(`${info.creator ?? ''} ${info.producer ?? ''}`)) return 'slides';
  if (info.hasForm) return 'form';
  return 'document';
}

/**
 * Extract a PDF into the `pdf.document` format, page by page. Only each page's laid-out blocks
 * are kept between pages (no operator lists, no page objects), so memory grows with the text, not
 * with the file. Throws CommsError E_PDF_INVALID, E_PDF_PASSWORD or E_CANCELED.
 */
export async function extractPdf(path: string, opts: ExtractOptions = {}): Promise<PdfDocument> {
  checkAbort(opts.signal, path);
  const opened = await openPdf(path, opts.password);
  const { doc } = opened;
  try {
    const numPages = doc.numPages;
    const limit = opts.maxPages !== undefined ? Math.max(0, Math.min(numPages, Math.floor(opts.maxPages))) : numPages;
    const info = await readMetadata(doc);
    const outline = await readOutline(doc);
    const fonts = new FontStyles();
    const layouts: PageLayout[] = [];
    const transforms: Matrix[] = [];
    const sizeHist = new Map<number, number>();
    let failedPages = 0;
    let firstFailure: unknown;
    for (let i = 0; i < limit; i++) {
      checkAbort(opts.signal, path);
      try {
        const { layout, sizeChars, transform } = await readPage(doc, i, fonts);
        layouts.push(layout);
        transforms.push(transform);
        for (const [s, n] of sizeChars) sizeHist.set(s, (sizeHist.get(s) ?? 0) + n);
      } catch (err) {
        // One damaged page should not cost the rest of the document.
        failedPages++;
        firstFailure ??= err;
        layouts.push({ index: i, width: 0, height: 0, rotation: 0, textChars: 0, imageCount: 0, blocks: [] });
        transforms.push(await pageTransform(doc, i));
      }
      opts.onPage?.({ page: i + 1, pageCount: limit });
      if ((i + 1) % CLEANUP_EVERY === 0) await doc.cleanup().catch(() => undefined);
    }
    if (limit > 0 && failedPages === limit) {
      const why = firstFailure instanceof Error ? firstFailure.message : String(firstFailure);
      throw new CommsError('E_PDF_INVALID', `${opened.filename}: no page could be read (${why}). The file is damaged.`, { path, cause: why });
    }

    const body = bodySize(sizeHist);
    const inRange = outline.filter((o) => o.page !== null && o.page < limit && o.title);
    const useOutline = opts.useOutline !== false && inRange.length > 0;
    const blocks = classify(layouts, { body, outline: useOutline ? inRange : null, transforms });
    const sections = buildSections(blocks);
    const needsOcrPages = layouts.filter((p) => p.textChars < OCR_MAX_CHARS && p.imageCount > 0).map((p) => p.index);
    const pages: PdfPage[] = layouts.map((p) => ({
      index: p.index,
      width: Math.round(p.width * 100) / 100,
      height: Math.round(p.height * 100) / 100,
      rotation: p.rotation,
      textChars: p.textChars,
      imageCount: p.imageCount,
    }));
    const outlineOut: OutlineEntry[] = outline.map((o) => ({ title: o.title, level: o.level, page: o.page !== null && o.page < numPages ? o.page : null }));

    const title = info.title ?? blocks.find((b) => b.blockType === 'SectionHeader')?.text;
    const document: PdfDocument = {
      formatVersion: PDF_REQUIREMENTS_VERSION,
      kind: kindOf(info, layouts, needsOcrPages),
      metadata: {
        ...(title ? { title } : {}),
        authors: info.authors,
        ...(info.subject ? { subject: info.subject } : {}),
        ...(info.keywords ? { keywords: info.keywords } : {}),
        ...(info.created ? { created: info.created } : {}),
        ...(info.modified ? { modified: info.modified } : {}),
        ...(info.language ? { language: info.language } : {}),
        ...(info.producer ? { producer: info.producer } : {}),
        ...(info.creator ? { creator: info.creator } : {}),
        ...(info.pdfVersion ? { pdfVersion: info.pdfVersion } : {}),
        pageCount: numPages,
        source: { path: opened.path, filename: opened.filename, bytes: opened.bytes },
        sha256: opened.sha256,
        encrypted: info.encrypted,
        needsOcrPages,
      },
      pages,
      outline: outlineOut,
      sections,
      blocks,
    };
    return document;
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

async function pageTransform(doc: PDFDocumentProxy, index: number): Promise<Matrix> {
  try {
    const page = await doc.getPage(index + 1);
    return page.getViewport({ scale: 1 }).transform as Matrix;
  } catch {
    return [1, 0, 0, -1, 0, 0];
  }
}
