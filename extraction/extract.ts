import { CommsError } from '../protocol/index.ts';
import { buildSections } from '../conversion/index.ts';
import { PDF_REQUIREMENTS_VERSION, type OutlineEntry, type PdfDocument, type PdfPage } from '../protocol/pdf/index.ts';
import { bodySizeOf } from './body-size.ts';
import { classify } from './classify.ts';
import { FontStyles } from './fonts.ts';
import type { Matrix } from './geometry.ts';
import { readMetadata } from './metadata.ts';
import { openPdf } from './open.ts';
import { readOutline } from './outline.ts';
import { readPageOrEmpty, type PageResult } from './page-job.ts';
import { readPagesInWorkers } from './page-pool.ts';
import { workerCount } from './threads.ts';
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
  /** The PDF's bytes, already read (marker checks its file policy first): `path` then only names the document. */
  data?: Uint8Array;
  /**
   * Threads reading pages, the calling thread included: N means N - 1 pooled worker threads
   * beside this one. Default (threads.ts workerCount): one per two cores not busy with other
   * processes when running as compiled JavaScript (so one on 2 cores), one (no workers) under
   * tsx and for documents over 600 pages. Documents
   * under 16 pages, and 0 or 1 here, are read on the calling thread only.
   */
  workers?: number;
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
  const opened = await openPdf(path, opts.password, opts.data);
  const { doc } = opened;
  try {
    const numPages = doc.numPages;
    const limit = opts.maxPages !== undefined ? Math.max(0, Math.min(numPages, Math.floor(opts.maxPages))) : numPages;
    const info = await readMetadata(doc);
    const outline = await readOutline(doc);
    const layouts: PageLayout[] = new Array(limit);
    const transforms: Matrix[] = new Array(limit);
    let failedPages = 0;
    let firstFailure: string | undefined;
    let done = 0;
    const take = (r: PageResult) => {
      layouts[r.index] = r.layout;
      transforms[r.index] = r.transform;
      if (r.error !== undefined) {
        failedPages++;
        firstFailure ??= r.error;
      }
      opts.onPage?.({ page: ++done, pageCount: limit });
    };
    // Pages are handed out one at a time to whichever thread is free: this one, and pooled
    // workers when the document is long enough (page-pool.ts).
    let next = 0;
    const claim = () => (next < limit ? next++ : undefined);
    const helpers = workerCount(limit, opts.workers) - 1;
    const stop = new AbortController();
    const inWorkers =
      helpers > 0
        ? readPagesInWorkers(
            { path: opened.path, ...(opts.password !== undefined ? { password: opts.password } : {}), ...(opts.data ? { data: opts.data } : {}) },
            claim,
            helpers,
            take,
            opts.signal,
          ).catch((err: unknown) => {
            stop.abort();
            checkAbort(opts.signal, path);
            throw new CommsError('E_PDF_INVALID', `${opened.filename}: page extraction failed (${(err as Error).message}).`, { path }, { cause: err });
          })
        : Promise.resolve();
    const here = (async () => {
      const fonts = new FontStyles();
      let read = 0;
      for (let i = claim(); i !== undefined && !stop.signal.aborted; i = claim()) {
        checkAbort(opts.signal, path);
        take(await readPageOrEmpty(doc, i, fonts));
        if (++read % CLEANUP_EVERY === 0) await doc.cleanup().catch(() => undefined);
        // pdf.js runs a page on promise jobs alone (its in-thread worker answers through
        // microtasks), so without this the event loop would not turn until the document is done:
        // workers' results, timers and the rest of the process would wait that long.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    // Both sides settle before either failure is thrown, so no page is read after extractPdf
    // returns. When this thread has every page already, the pool (perhaps still busy with another
    // document, its turn for this one not come) has nothing in flight for it and is not waited for.
    inWorkers.catch(() => undefined);
    const [a] = await Promise.allSettled([here]);
    const [b] = a.status === 'fulfilled' && done === limit ? [] : await Promise.allSettled([inWorkers]);
    if (b?.status === 'rejected') throw b.reason;
    if (a.status === 'rejected') throw a.reason;
    // Everything below works on the layouts; pdf.js's copy of the file and its caches go now,
    // before classification builds the output (the peak of a long document).
    await doc.destroy().catch(() => undefined);
    if (limit > 0 && failedPages === limit) {
      const why = firstFailure ?? 'unknown error';
      throw new CommsError('E_PDF_INVALID', `${opened.filename}: no page could be read (${why}). The file is damaged.`, { path, cause: why });
    }

    const body = bodySizeOf(layouts);
    const inRange = outline.filter((o) => o.page !== null && o.page < limit && o.title);
    const useOutline = opts.useOutline !== false && inRange.length > 0;
    const fallbackTitle = firstPageTitle(layouts);
    const blocks = classify(layouts, { body, outline: useOutline ? inRange : null, transforms, ...(info.title ? { title: info.title } : {}) });
    const sections = buildSections(blocks);
    const needsOcrPages = layouts.filter((p) => p.textChars < OCR_MAX_CHARS && p.imageCount > 0).map((p) => p.index);
    const pages: PdfPage[] = layouts.map((p) => ({
      index: p.index,
      width: Math.round(p.width * 100) / 100,
      height: Math.round(p.height * 100) / 100,
      rotation: p.rotation,
      textChars: p.textChars,
      imageCount: p.imageCount,
      ...(p.quality ? { quality: p.quality } : {}),
    }));
    const outlineOut: OutlineEntry[] = outline.map((o) => ({ title: o.title, level: o.level, page: o.page !== null && o.page < numPages ? o.page : null }));

    const title = info.title ?? fallbackTitle ?? blocks.find((b) => b.blockType === 'SectionHeader')?.text;
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


/** Without a metadata title, the largest short text on the first page with text is the title. */
function firstPageTitle(pages: PageLayout[]): string | undefined {
  const first = pages.find((p) => p.blocks.some((b) => b.kind === 'text' && b.text.trim() !== ''));
  const best = first?.blocks
    .filter((b) => b.kind === 'text' && b.lines.length <= 3 && /\p{L}{2}/u.test(b.text))
    .sort((a, b) => b.size - a.size)[0];
  return best ? best.text.replace(/\s+/g, ' ').trim() : undefined;
}
