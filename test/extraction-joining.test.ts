import { expect } from 'chai';
import { settleHyphens } from '../extraction/hyphenation.ts';
import { joinLines } from '../extraction/layout.ts';
import type { LaidBlock, PageLayout } from '../extraction/types.ts';
import { extractPdf } from '../extraction/index.ts';
import { generatedPdfs } from './support/generated-pdf.ts';

function page(index: number, texts: Array<{ text: string; hyphenDrops?: number[] }>): PageLayout {
  const blocks: LaidBlock[] = texts.map((t) => ({ kind: 'text', page: index, bbox: [0, 0, 1, 1], text: t.text, lines: [t.text], size: 10, bold: false, mono: false, math: 0, ...(t.hyphenDrops ? { hyphenDrops: t.hyphenDrops } : {}) }));
  return { index, width: 595, height: 842, rotation: 0, textChars: 100, imageCount: 0, blocks };
}

describe('joining the lines of a block', function () {
  this.timeout(60_000);

  it('puts a space between lines, except at line-break hyphens', () => {
    expect(joinLines(['graduated rates on your net income. If', 'the 30% rate'])).to.deep.equal({ text: 'graduated rates on your net income. If the 30% rate', hyphenDrops: [] });
    expect(joinLines(['the possibili-', 'ties are'])).to.deep.equal({ text: 'the possibilities are', hyphenDrops: [13] });
    expect(joinLines(['Die E-Mail-', 'Adresse']).text).to.equal('Die E-Mail-Adresse');
    expect(joinLines(['state-of-the-', 'art methods']).text).to.equal('state-of-the-art methods');
    expect(joinLines(['DNA-', 'binding']).text).to.equal('DNA-binding');
    expect(joinLines(['Ein-', 'und Ausgabe']).text).to.equal('Ein- und Ausgabe');
    expect(joinLines(['pre-', 'and post-war']).text).to.equal('pre- and post-war');
    expect(joinLines(['co\u00ad', 'operate']).text).to.equal('cooperate');
    expect(joinLines(['a dash –', 'then']).text).to.equal('a dash – then');
  });

  it("restores a dropped hyphen where the document writes the word hyphenated and never joined", () => {
    const pages = [
      page(0, [{ text: 'We fit random-effects models.' }, { text: 'to update the randomeffects factor', hyphenDrops: [20] }]),
      page(1, [{ text: 'the possibilities are endless', hyphenDrops: [13] }, { text: 'many possibilities' }]),
      // Only the join itself has the joined word; nothing else has either form: the drop stands.
      page(2, [{ text: 'an unusualword here', hyphenDrops: [10] }]),
    ];
    settleHyphens(pages);
    expect(pages.flatMap((p) => p.blocks.map((b) => b.text))).to.deep.equal([
      'We fit random-effects models.',
      'to update the random-effects factor',
      'the possibilities are endless',
      'many possibilities',
      'an unusualword here',
    ]);
    expect(pages.flatMap((p) => p.blocks).some((b) => 'hyphenDrops' in b)).to.equal(false);
  });

  const pdfs = generatedPdfs('comms-joining-');

  it('keeps lines stacked under a tall run in the next column apart (no word glued across lines)', async () => {
    // Left column at 9.5 pt on a 10 pt pitch; a 14 pt heading in the right column overlaps two of its lines vertically.
    const path = await pdfs.write('bridge.pdf', (doc) => {
      doc.font('Helvetica').fontSize(9.5);
      const left = ['exceeds the tax at the regular', 'graduated rates on your net income. If', 'the 30% (or lower treaty rate) tax on', 'your gross income exceeds the'];
      left.forEach((l, i) => doc.text(l, 42, 100 + i * 10, { lineBreak: false }));
      doc.fontSize(14).text('Name, Address, and', 222, 113, { lineBreak: false });
    });
    const d = await extractPdf(path, { workers: 0 });
    const text = d.blocks.map((b) => b.text).join('\n');
    expect(text).to.include('net income. If the 30%');
    expect(text).not.to.match(/Ifthe|If the 30% \(or lower treaty rate\) tax on.*net income/);
  });
});
