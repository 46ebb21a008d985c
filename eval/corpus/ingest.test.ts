import { expect } from 'chai';
import { extractPdf } from '../../extraction/index.ts';
import { toCollections } from '../../ingest/index.ts';
import { checkIntegrity } from '../../test/support/collections.ts';
import { corpusDir } from './corpus.ts';

const CORPUS = corpusDir();

describe('ingest (real corpus)', function () {
  this.timeout(300_000);

  it('maps a real manual to collections whose edges all resolve', async () => {
    const doc = await extractPdf(`${CORPUS}manual_ibm_redbook_sampled.pdf`);
    const c = toCollections(doc);
    expect(c.documents).to.have.length(1);
    expect(c.blocks).to.have.length(doc.blocks.length);
    expect(c.next).to.have.length(doc.blocks.length - 1);
    checkIntegrity(c);
    const containedBlocks = c.contains.filter((e) => e.kind === 'section-block' || e.kind === 'document-block').map((e) => e._to);
    expect(new Set(containedBlocks).size).to.equal(doc.blocks.length);
    expect(c.references.some((e) => e.kind === 'caption-of')).to.equal(true);
  });

  it('keeps edge integrity on papers, manuals and the 3-column register', async () => {
    for (const f of ['paper_lme4_jss.pdf', 'manual_debian_faq.pdf', 'gov_federal_register_2020-17221.pdf']) {
      checkIntegrity(toCollections(await extractPdf(`${CORPUS}${f}`)));
    }
  });
});
