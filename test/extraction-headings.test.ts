import { expect } from 'chai';
import { matchHeadings, stripLabel } from '../eval/match.ts';
import { extractPdf } from '../extraction/index.ts';
import { bodySizeOf } from '../extraction/body-size.ts';
import { detectHeadings } from '../extraction/headings.ts';
import { isLabelOnly, splitLabel } from '../extraction/numbering.ts';
import { tocPages } from '../extraction/toc.ts';
import { samplePath } from '../samples/index.ts';
import type { LaidBlock, PageLayout } from '../extraction/types.ts';

let y = 0;
function block(text: string, size: number, opts: Partial<LaidBlock> = {}): LaidBlock {
  const lines = opts.lines ?? [text];
  const top = opts.bbox?.[1] ?? (y += size * 2);
  return { kind: 'text', page: 0, bbox: opts.bbox ?? [50, top, 400, top + size * 1.2 * lines.length], text, lines, size, bold: false, mono: false, math: 0, ...opts };
}
function page(index: number, blocks: LaidBlock[], width = 600, height = 800): PageLayout {
  return { index, width, height, rotation: 0, textChars: 100, imageCount: 0, blocks };
}
const prose = (n = 4) => block('Body text that runs over several lines of a paragraph, as prose does.', 10, { lines: Array.from({ length: n }, () => 'line of prose') });
const ctx = { body: 10, toc: new Set<number>(), isRunning: () => false };

describe('heading rules', () => {
  it('splits printed labels and numbers off a heading title', () => {
    expect(splitLabel('Chapter 3 Results')).to.deep.include({ label: 'Chapter', number: '3', title: 'Results', depth: 1 });
    expect(splitLabel('3.2.1 Penalized least squares')).to.deep.include({ number: '3.2.1', title: 'Penalized least squares', depth: 3 });
    expect(splitLabel('File 9 lwarp-accents.sty')).to.deep.include({ label: 'File', number: '9', title: 'lwarp-accents.sty' });
    expect(splitLabel('I think so').number).to.equal(undefined);
    expect(isLabelOnly('Chapter 1')).to.equal(true);
    expect(isLabelOnly('Chapter 1 Definitions')).to.equal(false);
  });

  it('estimates body size from proportional prose, not from monospace code', () => {
    const code = (n: number) => block('x = f(y)  # a long line of code '.repeat(5), 9, { mono: true, lines: Array.from({ length: n }, () => 'code') });
    const pages = [page(0, [code(30), code(30), prose(), prose(), prose(), block('Short prose paragraph one.', 10, { lines: ['a', 'b'] })])];
    expect(bodySizeOf(pages)).to.equal(10);
  });

  it('recognises a table-of-contents page by leaders and trailing page numbers', () => {
    const toc = page(0, ['Introduction . . . . . . . 1', 'Methods . . . . . . . . 4', 'Results . . . . . . . . 9', 'Discussion . . . . . . 12', 'References . . . . . . 15'].map((t) => block(t, 10)));
    const body = page(1, [prose(), prose()]);
    expect([...tocPages([toc, body])]).to.deep.equal([0]);
  });

  it('takes larger and bold lines followed by body text as headings, with levels from numbering', () => {
    y = 0;
    const h1 = block('1 Introduction', 14, { bold: true });
    const h2 = block('1.1 Background', 12, { bold: true });
    const pages = [page(0, [h1, prose(), h2, prose()])];
    const found = detectHeadings(pages, ctx);
    expect(found.get(h1)).to.deep.equal({ level: 1, number: '1', title: 'Introduction' });
    expect(found.get(h2)).to.deep.equal({ level: 2, number: '1.1', title: 'Background' });
  });

  it('does not take a table header row, a run of same-style lines or monospace text as headings', () => {
    y = 0;
    const top = 100;
    const header = ['LINE', 'POSITION', 'DESCRIPTION'].map((t, i) => block(t, 10, { bold: true, bbox: [50 + i * 120, top, 100 + i * 120, top + 12] }));
    const authors = ['Ann Author', 'Bob Writer', 'Cy Editor'].map((t, i) => block(t, 12, { bbox: [50, 300 + i * 16, 200, 314 + i * 16] }));
    const code = block('int main(void)', 12, { mono: true, bbox: [50, 500, 200, 514] });
    const pages = [page(0, [...header, prose(), ...authors, prose(), code, prose()])];
    expect(detectHeadings(pages, ctx).size).to.equal(0);
  });

  it('merges a "Chapter N" line with the title set under it', () => {
    const label = block('Chapter 2', 20, { bold: true, bbox: [50, 100, 150, 124] });
    const title = block('Getting started', 24, { bold: true, bbox: [50, 140, 300, 170] });
    const p = page(0, [label, title, prose()]);
    const found = [...detectHeadings([p], ctx).entries()];
    expect(found).to.have.length(1);
    expect(found[0]![0].text).to.equal('Chapter 2 Getting started');
    expect(found[0]![1]).to.deep.include({ label: 'Chapter', number: '2', title: 'Getting started', level: 1 });
  });
});

describe('heading eval matching', () => {
  it('matches one-to-one on normalised titles within one page, with printed labels stripped', () => {
    expect(stripLabel('2.3.59-1 Command Code Display')).to.equal('Command Code Display');
    const truth = [
      { title: 'Appendix', page: 26 },
      { title: 'Appendix', page: 26 },
      { title: 'Linear mixed models', page: 2 },
      { title: 'Far away', page: 10 },
    ];
    const found = [
      { text: 'Appendix', page: 26 },
      { text: '1.1. Linear Mixed Models', page: 3 },
      { text: 'Far away', page: 12 },
    ];
    const m = matchHeadings(truth, found);
    expect(m.matched).to.deep.equal([
      { truth: 0, found: 0 },
      { truth: 2, found: 1 },
    ]);
    expect(m.unmatchedTruth).to.deep.equal([1, 3]);
    expect(m.unmatchedFound).to.deep.equal([2]);
  });
});

describe('extraction with page workers', function () {
  this.timeout(180_000);

  it('gives the same blocks with page workers as on one thread', async () => {
    const file = await samplePath('long.pdf');
    const one = await extractPdf(file, { useOutline: false, workers: 0, maxPages: 24 });
    let progress = 0;
    const two = await extractPdf(file, { useOutline: false, workers: 2, maxPages: 24, onPage: (p) => (progress = Math.max(progress, p.page)) });
    expect(progress).to.equal(24);
    expect(two.blocks).to.deep.equal(one.blocks);
    expect(two.pages).to.deep.equal(one.pages);
  });
});

describe('text decoding repairs', () => {
  it('maps cp1251 read as Latin-1 back to Cyrillic, and presentation forms to letters', async () => {
    const { decodeRun } = await import('../extraction/decode.ts');
    expect(decodeRun('Ïðèâåò, ìèð').text).to.equal('Привет, мир');
    expect(decodeRun('Ïðèâåò').repaired).to.equal(true);
    // Ordinary accented Western text is left alone.
    expect(decodeRun('Événement à Zürich, déjà vu')).to.deep.equal({ text: 'Événement à Zürich, déjà vu', repaired: false, undecodable: 0, suspicious: 0 });
    expect(decodeRun('\ufefb\ufe8e').text).to.equal('\u0644\u0627\u0627');
    expect(decodeRun('con\ufb01dent').text).to.equal('confident');
    expect(decodeRun('a\ue001\ufffdb').undecodable).to.equal(2);
  });
});

describe('combining marks painted on their own', () => {
  it('go right after the letter under them, in right-to-left text too', async () => {
    const { attachMarks } = await import('../extraction/line-text.ts');
    const run = (text: string, x0: number, x1: number) => ({ text, x0, x1, y0: 0, y1: 10, base: 8, size: 10, bold: false, mono: false, math: false, rtl: true });
    // "بيت" (beh, yeh, teh) drawn from x=100 (teh, left) to x=130 (beh, right); a fatha over the beh.
    const word = run('\u0628\u064a\u062a', 100, 130);
    const fatha = run('\u064e', 124, 128);
    // Right-to-left order after reversal puts the mark run first.
    const out = attachMarks([fatha, word], true);
    expect(out.map((r) => r.text)).to.deep.equal(['\u0628\u064e\u064a\u062a']);
    const ltr = attachMarks([run('e', 0, 5), run('\u0301', 1, 4), run('x', 5, 10)], false);
    expect(ltr.map((r) => r.text)).to.deep.equal(['e\u0301', 'x']);
  });
});
