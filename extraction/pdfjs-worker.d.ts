/**
 * pdf.js ships no types for its worker module; the extractor uses this one export of it
 * (pdfjs-port.ts): the worker side's entry that serves a message port, as a browser Worker does.
 */
declare module 'pdfjs-dist/legacy/build/pdf.worker.mjs' {
  export const WorkerMessageHandler: {
    initializeFromPort(port: { postMessage(message: unknown, transfer?: Transferable[]): void }): void;
  };
}
