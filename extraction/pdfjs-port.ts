/**
 * pdf.js internals, in one place: how the extractor talks to pdf.js's worker side and how it
 * keeps pdf.js from building glyph outlines. Everything here depends on how pdf.js 5.4.624
 * (pdfjs-dist/legacy/build/pdf.mjs and pdf.worker.mjs) works inside, not on its documented API;
 * test/pdfjs-port.test.ts fails when one of these assumptions stops holding. Check them again
 * (the line numbers below are of that version) whenever pdfjs-dist changes.
 *
 * 1. The message port. In Node pdf.js runs its worker side in the calling thread behind a
 *    `LoopbackPort` (pdf.mjs ~14299) that `structuredClone`s every message: each chunk of an
 *    operator list (thousands of small argument arrays), each chunk of text content, each font.
 *    In CPU profiles of extraction that clone was about a tenth of the samples, plus the garbage
 *    it leaves. `inThreadWorker()` gives pdf.js a port of ours instead (the documented
 *    `new PDFWorker({ port })` on the API side, `WorkerMessageHandler.initializeFromPort` on the
 *    worker side, as a browser does with a real Worker), which hands over the two large kinds of
 *    stream chunk without a deep copy:
 *    - an operator list chunk (`{ fnArray, argsArray, ... }`; the extractor no longer asks for
 *      operator lists, see pdfjs-text-pass.ts, but pdf.js's API still can): the worker empties the very
 *      arrays it sent once `enqueue` returns (OperatorList.flush, pdf.worker.mjs ~12848), so the
 *      two arrays are copied (shallow); their elements, argument arrays built for that chunk or
 *      cached values pdf.js never writes again, are shared;
 *    - a text content chunk (`{ items, styles, lang }`): the worker puts new `items` and `styles`
 *      objects into the very object it sent once `enqueue` returns (getTextContent's
 *      enqueueChunk, ~40454) and never touches the old ones again, so the chunk object is copied
 *      (shallow, before delivery) and its items are shared.
 *    Shared values must not be written by the receiving side: pdf.js's API side only collects
 *    them (PDFPageProxy._renderPageChunk, getTextContent's reader), and the extractor only reads.
 *    Every other message (fonts, metadata, outlines, errors, requests) is cloned as before, so
 *    no cached worker-side object (an outline, the document info) is ever handed out by reference.
 *
 * 2. Glyph outlines. With `disableFontFace: true` (pdf.js's default in Node) the worker builds
 *    and posts the outline of every glyph it shows (PartialEvaluator.handleText ->
 *    buildFontPaths, ~38955), for canvas rendering, which extraction never does. With font faces
 *    enabled it does not; the API side then hands each font to its FontLoader, which in Node
 *    has no document to load it into. `FONT_FACE_OPTIONS` gives it a document whose font set
 *    accepts and forgets fonts, and `FontFace` (the browser class pdf.js constructs, absent in
 *    Node) is defined as a stand-in that is loaded at once. The fonts' names, flags and encodings
 *    reach `commonObjs` exactly as before; only the outlines are no longer built.
 *
 * 3. The page count. pdf.js 5.4 checks a page request against a page count it keeps once per
 *    thread, not per document (`PagesMapper.instance`, pdf.mjs ~7898, set by each document as it
 *    loads, WorkerTransport ~21959): with two documents open at once, the one loaded last decides,
 *    and pages of a longer document beyond it are refused ("Invalid page request."). `getPage`
 *    sets that count to the document's own right before asking (the check is synchronous, so no
 *    other document can change it in between). pdf.js maps page numbers through it only after
 *    pages have been moved in its editor, which never happens here.
 */
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { PagesMapper, PDFWorker, VerbosityLevel, WorkerMessageHandler } from './pdfjs.ts';

/** The pdfjs-dist version the assumptions above were read from (checked by the test). */
export const PDFJS_CHECKED_VERSION = '5.4.624';

type Listener = (event: { data: unknown }) => void;

/** pdf.js's MessageHandler StreamKind.ENQUEUE (pdf.mjs ~14357): a stream chunk message. */
const ENQUEUE = 4;

interface StreamMessage {
  stream?: unknown;
  chunk?: unknown;
}

/** Exported for tests: the message a listener receives for `message` posted with `transfer`. */
export function copyMessage(message: unknown, transfer?: Transferable[]): unknown {
  const m = message as StreamMessage | null;
  if (m !== null && typeof m === 'object' && m.stream === ENQUEUE && m.chunk !== null && typeof m.chunk === 'object') {
    const chunk = m.chunk as Record<string, unknown>;
    if (Array.isArray(chunk['fnArray']) && Array.isArray(chunk['argsArray'])) {
      return { ...m, chunk: { ...chunk, fnArray: chunk['fnArray'].slice(), argsArray: chunk['argsArray'].slice() } };
    }
    if (Array.isArray(chunk['items']) && chunk['styles'] !== null && typeof chunk['styles'] === 'object') return { ...m, chunk: { ...chunk } };
  }
  return structuredClone(message, transfer ? { transfer } : undefined);
}

/**
 * One object both sides post to and listen on, as pdf.js's own LoopbackPort: every message
 * reaches every listener, and pdf.js's MessageHandler drops those not addressed to it. Delivery
 * is on a later microtask, in posting order, as with the LoopbackPort.
 */
export class InThreadPort {
  readonly #listeners = new Map<Listener, () => void>();
  readonly #deferred = Promise.resolve();

  postMessage(message: unknown, transfer?: Transferable[]): void {
    const event = { data: copyMessage(message, transfer) };
    void this.#deferred.then(() => {
      // The live map, as LoopbackPort: a handler removed while this message is delivered gets no more of it.
      for (const listener of this.#listeners.keys()) listener.call(this, event);
    });
  }

  addEventListener(_type: 'message', listener: Listener, options?: { signal?: AbortSignal }): void {
    const signal = options?.signal;
    if (signal?.aborted) return;
    const onAbort = () => this.removeEventListener('message', listener);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#listeners.set(listener, () => signal?.removeEventListener('abort', onAbort));
  }

  removeEventListener(_type: 'message', listener: Listener): void {
    this.#listeners.get(listener)?.();
    this.#listeners.delete(listener);
  }

  terminate(): void {
    for (const off of this.#listeners.values()) off();
    this.#listeners.clear();
  }
}

let worker: InstanceType<typeof PDFWorker> | undefined;

/**
 * The thread's one pdf.js worker, shared by all documents opened in it (pdf.js keeps each
 * document's state apart by its docId, as for a browser Worker serving several documents).
 * Passing it to getDocument also means pdf.js never sets up its LoopbackPort.
 */
export function inThreadWorker(): InstanceType<typeof PDFWorker> {
  if (worker && !worker.destroyed) return worker;
  const port = new InThreadPort();
  WorkerMessageHandler.initializeFromPort(port);
  // Typed as a DOM Worker; pdf.js uses only postMessage, addEventListener and removeEventListener of it.
  worker = new PDFWorker({ port: port as unknown as null, verbosity: VerbosityLevel.ERRORS });
  return worker;
}

/** The browser's FontFace as far as pdf.js's FontLoader uses it: constructed, then awaited. */
class FontFaceStandIn {
  readonly loaded = Promise.resolve();
  constructor(
    readonly family: string,
    _source: unknown,
    _descriptors?: unknown,
  ) {}
}

(globalThis as { FontFace?: unknown }).FontFace ??= FontFaceStandIn;

/** getDocument options that keep glyph outlines from being built (see 2. above). */
export const FONT_FACE_OPTIONS = {
  disableFontFace: false,
  // Typed as a DOM Document; pdf.js's FontLoader uses only its `fonts` set when FontFace exists.
  ownerDocument: { fonts: { add: () => undefined, delete: () => undefined } } as unknown as Document,
};

/** `doc.getPage(pageNumber)`, with pdf.js's per-thread page count set to this document's (see 3. above). */
export function getPage(doc: PDFDocumentProxy, pageNumber: number): Promise<PDFPageProxy> {
  PagesMapper.instance.pagesNumber = doc.numPages;
  return doc.getPage(pageNumber);
}
