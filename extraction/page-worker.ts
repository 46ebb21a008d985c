/**
 * Worker thread that reads pages of one PDF on request. It opens its own copy of the document
 * (pdf.js documents cannot be shared across threads) and answers one page at a time, so the
 * parent bounds how much work is in flight. Only laid-out blocks cross the thread boundary.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FontStyles } from './fonts.ts';
import { openPdf } from './open.ts';
import { readPageOrEmpty, type PageRequest, type PageResult, type WorkerInit } from './page-job.ts';

/** pdf.js keeps fonts and decoded resources per document; dropping them now and then bounds memory. */
const CLEANUP_EVERY = 20;

const init = workerData as WorkerInit;
const port = parentPort!;
const opened = await openPdf(init.path, init.password, init.data);
const fonts = new FontStyles();
let done = 0;
port.on('message', (req: PageRequest | null) => {
  if (req === null) {
    void opened.doc.destroy().finally(() => port.close());
    return;
  }
  void (async () => {
    const result: PageResult = await readPageOrEmpty(opened.doc, req.index, fonts);
    port.postMessage(result);
    if (++done % CLEANUP_EVERY === 0) await opened.doc.cleanup().catch(() => undefined);
  })();
});
port.postMessage({ ready: true });
