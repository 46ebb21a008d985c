import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { extractPdf } from '../extraction/index.ts';
import { closePageWorkers, pageWorkersStarted } from '../extraction/page-pool.ts';
import { MAX_PAGES_WITH_WORKERS, workerCount } from '../extraction/threads.ts';
import { samplePath } from '../samples/index.ts';

describe('page worker pool', function () {
  this.timeout(180_000);
  after(() => closePageWorkers());

  it('counts the calling thread among the threads, and reads long documents on it alone', () => {
    expect(workerCount(24, 2)).to.equal(2);
    expect(workerCount(24, 0)).to.equal(1);
    // Never more threads than pages/8.
    expect(workerCount(15, 4)).to.equal(1);
    expect(workerCount(MAX_PAGES_WITH_WORKERS + 1)).to.equal(1);
  });

  it('by default takes at most one thread per two cores (a reading thread keeps about 1.7 busy)', async () => {
    // The compiled module: under tsx the default is always one thread. Other processes' load only
    // lowers the count; on 2 cores it is always the calling thread alone.
    const compiled = (await import(new URL('../dist/extraction/threads.js', import.meta.url).href)) as { workerCount: typeof workerCount };
    const most = Math.max(1, Math.floor(availableParallelism() / 2));
    expect(compiled.workerCount(400)).to.be.within(1, most);
    expect(compiled.workerCount(400, 3)).to.equal(3);
  });

  it('keeps its worker warm for the next document, with the same blocks as one thread', async () => {
    const file = await samplePath('long.pdf');
    await closePageWorkers();
    const before = pageWorkersStarted();
    const one = await extractPdf(file, { useOutline: false, workers: 0, maxPages: 24 });
    const first = await extractPdf(file, { useOutline: false, workers: 2, maxPages: 24 });
    const second = await extractPdf(file, { useOutline: false, workers: 2, maxPages: 16 });
    expect(pageWorkersStarted() - before).to.equal(1);
    expect(first.blocks).to.deep.equal(one.blocks);
    expect(second.pages).to.deep.equal(one.pages?.slice(0, 16));
  });

  it('serves documents extracted at the same time one after another, each with its own pages', async () => {
    const long = await samplePath('long.pdf');
    const sample = await samplePath('sample.pdf');
    const [oneLong, oneSample] = [await extractPdf(long, { useOutline: false, workers: 0, maxPages: 32 }), await extractPdf(sample, { useOutline: false, workers: 0 })];
    const [a, b, c] = await Promise.all([
      extractPdf(long, { useOutline: false, workers: 2, maxPages: 32 }),
      extractPdf(sample, { useOutline: false, workers: 2 }),
      extractPdf(long, { useOutline: false, workers: 2, maxPages: 32 }),
    ]);
    expect(a.blocks).to.deep.equal(oneLong.blocks);
    expect(c.blocks).to.deep.equal(oneLong.blocks);
    expect(b.blocks).to.deep.equal(oneSample.blocks);
  });

  it('lets the event loop turn between pages read on the calling thread', async () => {
    const file = await samplePath('long.pdf');
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    const seen: number[] = [];
    setImmediate(spin);
    try {
      await extractPdf(file, { useOutline: false, workers: 0, maxPages: 12, onPage: () => seen.push(turns) });
    } finally {
      running = false;
    }
    // pdf.js answers a page through promise jobs only: without a yield per page, `turns` would
    // not move from the first page to the last.
    expect(seen).to.have.length(12);
    expect(seen[11]! - seen[0]!).to.be.at.least(11);
  });
});
