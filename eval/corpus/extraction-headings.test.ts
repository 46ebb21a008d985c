import { expect } from 'chai';
import { extractPdf } from '../../extraction/index.ts';
import { corpusDir } from './corpus.ts';

// Heading rules on real-world files (COMMS_CORPUS; in CI ../shared/corpus beside the repository).
const CORPUS = corpusDir();

describe('extraction headings on real files', function () {
  this.timeout(180_000);

  it('splits printed chapter labels and keeps table-of-contents lines out of the headings', async () => {
    const d = await extractPdf(`${CORPUS}manual_debian_faq.pdf`, { useOutline: false, maxPages: 12 });
    const heads = d.blocks.filter((b) => b.blockType === 'SectionHeader');
    const ch1 = heads.find((b) => b.blockType === 'SectionHeader' && b.label === 'Chapter' && b.number === '1');
    expect(ch1?.blockType === 'SectionHeader' && ch1.title).to.equal('Definitions and overview');
    // Pages 3-6 are the table of contents: their lines are marked, none is a heading.
    expect(heads.filter((b) => b.page >= 2 && b.page <= 5)).to.deep.equal([]);
    const tocLines = d.blocks.filter((b) => b.blockType === 'Text' && b.toc === true);
    expect(new Set(tocLines.map((b) => b.page))).to.deep.equal(new Set([2, 3, 4, 5]));
    // The title page holds the document title, not a section.
    expect(heads.some((b) => b.page === 0)).to.equal(false);
  });

  it('takes Beamer frame titles as headings', async () => {
    const d = await extractPdf(`${CORPUS}slides_beamer_conference_talk.pdf`, { useOutline: false });
    const texts = d.blocks.filter((b) => b.blockType === 'SectionHeader').map((b) => b.text);
    expect(texts).to.include('What is haplotyping and why is it important?');
    expect(texts).to.include('The Model and the Problem');
  });

});
