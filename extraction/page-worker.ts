/**
 * Worker thread that reads pages on request. It lives across documents (page-pool.ts keeps it
 * warm, so loading pdf.js is paid once per process, not once per document): `open` opens the
 * job's own copy of the document (pdf.js documents cannot be shared across threads), `page`
 * answers one page at a time so the parent bounds the work in flight, `close` releases it.
 * Only laid-out blocks cross the thread boundary.
 */
import { parentPort } from 'node:worker_threads';
import { FontStyles } from './fonts.ts';
import { openPdf, type OpenedPdf } from './open.ts';
import { readPageOrEmpty, type WorkerReply, type WorkerRequest } from './page-job.ts';

/** pdf.js keeps fonts and decoded resources per document; dropping them now and then bounds memory. */
const CLEANUP_EVERY = 20;

interface Job {
  id: number;
  opened: Promise<OpenedPdf>;
  fonts: FontStyles;
  done: number;
  /** Pages are read one after another, each after the previous page's cleanup. */
  chain: Promise<void>;
}

const port = parentPort!;
let job: Job | undefined;
const send = (reply: WorkerReply) => port.postMessage(reply);

function release(j: Job): void {
  void j.chain.then(() => j.opened).then((o) => o.doc.destroy()).catch(() => undefined);
}

port.on('message', (msg: WorkerRequest) => {
  if (msg.type === 'open') {
    if (job) release(job);
    const opened = openPdf(msg.init.path, msg.init.password, msg.init.data);
    opened.catch(() => undefined);
    job = { id: msg.job, opened, fonts: new FontStyles(), done: 0, chain: Promise.resolve() };
  } else if (msg.type === 'close') {
    if (job?.id === msg.job) {
      release(job);
      job = undefined;
    }
  } else {
    const j = job;
    if (j?.id !== msg.job) return;
    j.chain = j.chain.then(async () => {
      let doc;
      try {
        doc = (await j.opened).doc;
      } catch (err) {
        send({ type: 'failed', job: j.id, error: err instanceof Error ? err.message : String(err) });
        return;
      }
      send({ type: 'page', job: j.id, result: await readPageOrEmpty(doc, msg.index, j.fonts) });
      if (++j.done % CLEANUP_EVERY === 0) await doc.cleanup().catch(() => undefined);
    });
  }
});
send({ type: 'ready' });
