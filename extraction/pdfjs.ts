/**
 * pdf.js for the extractor: every module of extraction/ takes pdf.js values from here, never from
 * the package, so the fix below applies before any page is read.
 *
 * The legacy build (the one that runs on Node 20) ships core-js, which on Node 20's V8 replaces
 * Array.prototype.push for the whole process with a JavaScript polyfill (it works around an
 * edge case of arrays longer than 2^32 - 1, which never occur here): every push, pdf.js's own
 * and ours, then goes through `arguments`, a length check and a property-descriptor lookup.
 * In CPU profiles of extraction the polyfill and the length setter it calls were about a tenth
 * of the samples. The engine's push is put back once both halves of pdf.js (the API and the
 * worker, which is loaded here too so it cannot install its copy later) have run their polyfills.
 * The other polyfills (Promise.withResolvers, Uint8Array base64, ...) fill gaps and stay.
 *
 * pdf.js also inflates every Flate stream (content streams, forms, font files) through the
 * DecompressionStream global when there is one: web streams over node:zlib, a promise chain and a
 * zlib handle per stream, run twice per page (operator list, then text). In CPU profiles that was
 * about a seventh of the samples. Without the global pdf.js uses its own synchronous inflate,
 * which costs less for streams this small and gives the same bytes. So the global is removed from
 * the process that loads the extractor; nothing else in comms uses it (`grep -r
 * DecompressionStream` finds only this file).
 */
import { hadCoreJs, nativePush } from './pdfjs-natives.ts';
import * as pdfjs from 'pdfjs-dist/legacy/build/pdf.mjs';
import { importPatchedWorker } from './pdfjs-text-pass.ts';

// The worker side, with its text pass made to report fonts and images (pdfjs-text-pass.ts), loaded
// now so its polyfills run before the fix below (pdfjs-port.ts connects it).
const { WorkerMessageHandler } = (await importPatchedWorker()) as { WorkerMessageHandler: WorkerSide };

if (!hadCoreJs && Array.prototype.push !== nativePush) {
  Object.defineProperty(Array.prototype, 'push', { value: nativePush, writable: true, enumerable: false, configurable: true });
}

delete (globalThis as { DecompressionStream?: unknown }).DecompressionStream;

export const { AnnotationMode, getDocument, OPS, PagesMapper, PDFWorker, VerbosityLevel, version } = pdfjs;
export { WorkerMessageHandler };

/** The worker side's entry that serves a message port, as a browser Worker does (pdfjs-port.ts). */
export interface WorkerSide {
  initializeFromPort(port: { postMessage(message: unknown, transfer?: Transferable[]): void }): void;
}
