import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { FontStyles } from './fonts.ts';
import type { Matrix } from './geometry.ts';
import { readPage } from './page-reader.ts';
import { getPage } from './pdfjs-port.ts';
import type { PageLayout } from './types.ts';

/** The document a page worker is asked to open. */
export interface WorkerInit {
  path: string;
  password?: string;
  /** The bytes the caller already read under its file policy; workers never reopen the path then. */
  data?: Uint8Array;
}

/**
 * Parent to worker. A worker lives across documents: `open` starts a job (the previous job's
 * document is released), `page` asks for one page of it, `close` releases it.
 */
export type WorkerRequest =
  | { type: 'open'; job: number; init: WorkerInit }
  | { type: 'page'; job: number; index: number }
  | { type: 'close'; job: number };

/** Worker to parent: `ready` once pdf.js is loaded, then one `page` per page request. */
export type WorkerReply = { type: 'ready' } | { type: 'page'; job: number; result: PageResult } | { type: 'failed'; job: number; error: string };

/** One page's outcome; a page that fails is empty and carries its error message. */
export interface PageResult {
  index: number;
  layout: PageLayout;
  transform: Matrix;
  error?: string;
}

/** Read one page; a damaged page becomes an empty layout so one bad page does not cost the document. */
export async function readPageOrEmpty(doc: PDFDocumentProxy, index: number, fonts: FontStyles): Promise<PageResult> {
  try {
    const { layout, transform } = await readPage(doc, index, fonts);
    return { index, layout, transform };
  } catch (err) {
    return {
      index,
      layout: { index, width: 0, height: 0, rotation: 0, textChars: 0, imageCount: 0, blocks: [] },
      transform: await pageTransform(doc, index),
      error: err instanceof Error ? err.message : String(err),
    };
  }
}

async function pageTransform(doc: PDFDocumentProxy, index: number): Promise<Matrix> {
  try {
    const page = await getPage(doc, index + 1);
    return page.getViewport({ scale: 1 }).transform as Matrix;
  } catch {
    return [1, 0, 0, -1, 0, 0];
  }
}
