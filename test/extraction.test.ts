import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CommsError, isErrorCode } from '../protocol/index.ts';
import { buildPdfRequirements, validatePdfFormat, type BlockOf, type BlockType, type PdfDocument } from '../protocol/pdf/index.ts';
import { extractPdf } from '../extraction/index.ts';
import { rejection } from './support/rejection.ts';
import { allSamples, makeSamplePdf, SAMPLE, SAMPLE_FILES, type SampleName } from '../samples/index.ts';

// The generated samples (samples/make-sample-pdf.ts). Real-world files: eval/corpus (npm run eval:corpus).
let files: Record<SampleName, string>;


const ofType = <T extends BlockType>(d: PdfDocument, t: T): Array<BlockOf<T>> => d.blocks.filter((b): b is BlockOf<T> => b.blockType === t);
const headers = (d: PdfDocument) => ofType(d, 'SectionHeader');
const allText = (d: PdfDocument) => d.blocks.map((b) => b.text).join('\n');

describe('extraction (pdf.js, generated sample documents)', function () {
  this.timeout(60_000);
  const req = buildPdfRequirements();
  let article: PdfDocument;

  before(async () => {
    files = await allSamples();
    article = await extractPdf(files['sample.pdf']);
  });

  it('the generator is deterministic: the same options give the same bytes', async () => {
    const [a, b] = await Promise.all([makeSamplePdf(), makeSamplePdf()]);
    expect(a.equals(b)).to.equal(true);
    expect(readFileSync(files['sample.pdf']).equals(a)).to.equal(true);
    const [e1, e2] = await Promise.all([SAMPLE_FILES['encrypted.pdf'](), SAMPLE_FILES['encrypted.pdf']()]);
    expect(e1.equals(e2)).to.equal(true);
  });

  it('extracts the sample article: metadata, page by page, valid format', async () => {
    const pages: number[] = [];
    const d = await extractPdf(files['sample.pdf'], { onPage: (p) => pages.push(p.page) });
    expect(d.metadata.pageCount).to.equal(SAMPLE.pageCount);
    expect(pages).to.deep.equal([1, 2, 3, 4]);
    expect(d.pages).to.have.length(SAMPLE.pageCount);
    expect(d.kind).to.equal('document');
    expect(d.metadata.title).to.equal(SAMPLE.title);
    expect(d.metadata.authors).to.deep.equal(SAMPLE.authors);
    expect(d.metadata.subject).to.equal(SAMPLE.subject);
    expect(d.metadata.keywords).to.deep.equal(SAMPLE.keywords);
    expect(d.metadata.created).to.equal(SAMPLE.created);
    expect(d.metadata.language).to.equal('en-US');
    expect(d.metadata.encrypted).to.equal(false);
    expect(d.metadata.needsOcrPages).to.deep.equal([]);
    const bytes = readFileSync(files['sample.pdf']);
    expect(d.metadata.source.bytes).to.equal(bytes.length);
    expect(d.metadata.sha256).to.equal(createHash('sha256').update(bytes).digest('hex'));
    expect(validatePdfFormat(d, req)).to.deep.equal({ valid: true, errors: [] });
  });

  it('reads the bookmark outline and takes the headings, with their levels, from it', () => {
    expect(article.outline).to.deep.equal(SAMPLE.headings.map((h) => ({ title: h.text, level: h.level, page: h.page })));
    expect(headers(article).map((b) => ({ text: b.text, level: b.level, page: b.page }))).to.deep.equal(SAMPLE.headings.map((h) => ({ ...h })));
    expect(headers(article).every((b) => b.source === 'outline')).to.equal(true);
    // Sections nest as the numbers say: 1.1.1 in 1.1 in 1; 2.1 and 2.2 in 2.
    const byTitle = new Map(article.sections.map((s) => [s.title, s]));
    const parentTitle = (t: string) => {
      const p = byTitle.get(t)!.parentId;
      return p === null ? null : article.sections.find((s) => s.id === p)!.title;
    };
    expect(article.sections).to.have.length(SAMPLE.headings.length);
    expect(parentTitle('1 Introduction')).to.equal(null);
    expect(parentTitle('1.1 Background')).to.equal('1 Introduction');
    expect(parentTitle('1.1.1 Scope of this sample')).to.equal('1.1 Background');
    expect(parentTitle('2.2 Measurements')).to.equal('2 Methods');
    expect(parentTitle('3.1.1 Known limitations')).to.equal('3.1 Throughput');
    expect(parentTitle('4 Conclusion')).to.equal(null);
  });

  it('finds headings from fonts when the outline is not used: larger and bold means higher', async () => {
    const d = await extractPdf(files['sample.pdf'], { useOutline: false });
    const found = headers(d);
    expect(found.every((b) => b.source === 'font')).to.equal(true);
    const level = (text: string) => {
      const h = found.find((b) => b.text === text);
      expect(h, `heading ${text}`).to.not.equal(undefined);
      return h!.level;
    };
    // The 22 pt document title is the document's title, not a section (docs/extraction.md);
    // 17 pt chapters outrank 14 pt sections and 12 pt subsections.
    expect(found.some((b) => b.text === SAMPLE.title)).to.equal(false);
    expect(level('1 Introduction')).to.be.lessThan(level('1.1 Background'));
    expect(level('1.1 Background')).to.be.lessThan(level('1.1.1 Scope of this sample'));
    for (const h of SAMPLE.headings) expect(level(h.text), h.text).to.equal(level(SAMPLE.headings.find((x) => x.level === h.level)!.text));
    // Body text, list items and captions are not headings.
    expect(found.map((b) => b.text)).to.have.members(SAMPLE.headings.map((h) => h.text));
  });

  it('finds the bulleted and the numbered list as list groups of items', () => {
    const groups = ofType(article, 'ListGroup');
    expect(groups).to.have.length(2);
    const items = (g: BlockOf<'ListGroup'>) => g.childIds.map((id) => ofType(article, 'ListItem').find((i) => i.id === id)!);
    const [bullets, numbered] = groups.map(items);
    expect(bullets!.map((i) => i.text)).to.deep.equal(SAMPLE.bullets.map((t) => `\u2022 ${t}`));
    expect(bullets!.every((i) => i.marker === '\u2022' && i.ordered === false && i.groupId === groups[0]!.id)).to.equal(true);
    expect(numbered!.map((i) => i.text)).to.deep.equal(SAMPLE.numbered.map((t, k) => `${k + 1}. ${t}`));
    expect(numbered!.map((i) => i.marker)).to.deep.equal(['1.', '2.', '3.']);
    expect(numbered!.every((i) => i.ordered === true && i.page === 1)).to.equal(true);
  });

  it('reads the table cell by cell and links its caption to it', () => {
    const tables = ofType(article, 'Table');
    expect(tables).to.have.length(1);
    const t = tables[0]!;
    expect(t.page).to.equal(1);
    expect([t.rows, t.cols]).to.deep.equal([4, 4]);
    const grid = Array.from({ length: t.rows }, (_, r) => Array.from({ length: t.cols }, (_, c) => t.cells.find((x) => x.row === r && x.col === c)?.text));
    expect(grid).to.deep.equal([SAMPLE.table.header, ...SAMPLE.table.rows]);
    const caption = ofType(article, 'Caption').find((c) => c.text === SAMPLE.table.caption);
    expect(caption?.targetId).to.equal(t.id);
  });

  it('finds the figure with its caption, the equation, the footnote and the running header and page numbers', () => {
    const figures = ofType(article, 'Figure');
    expect(figures).to.have.length(1);
    const f = figures[0]!;
    expect(f.page).to.equal(2);
    expect(f.imageCount).to.equal(1);
    const caption = ofType(article, 'Caption').find((c) => c.text === SAMPLE.figureCaption);
    expect(caption?.targetId).to.equal(f.id);
    expect(f.captionId).to.equal(caption!.id);

    // Set in the Symbol font: pdf.js maps a b g to Greek letters, and the math font makes it an equation.
    const eq = ofType(article, 'Equation');
    expect(eq.map((b) => b.text)).to.deep.equal(['\u03b1 + \u03b2 = \u03b3']);
    expect(eq[0]!.page).to.equal(1);

    const notes = ofType(article, 'Footnote');
    expect(notes.map((n) => ({ page: n.page, label: n.label, text: n.text }))).to.deep.equal([
      { page: 0, label: SAMPLE.footnote.label, text: `${SAMPLE.footnote.label} ${SAMPLE.footnote.text}` },
    ]);
    expect(notes[0]!.bbox[1]).to.be.greaterThan(article.pages![0]!.height * 0.8);

    expect(ofType(article, 'PageHeader').map((b) => b.text)).to.deep.equal(Array(SAMPLE.pageCount).fill(SAMPLE.runningHeader));
    expect(ofType(article, 'PageFooter').map((b) => [b.page, b.text])).to.deep.equal([0, 1, 2, 3].map((p) => [p, String(p + 1)]));
    // Running furniture is not body text.
    expect(ofType(article, 'Text').some((b) => b.text === SAMPLE.runningHeader || /^\d$/.test(b.text))).to.equal(false);
  });

  it('opens encrypted files with the password and names the file when it is missing or wrong', async () => {
    const ok = await extractPdf(files['encrypted.pdf'], { password: SAMPLE.password });
    expect(ok.metadata.encrypted).to.equal(true);
    expect(ok.metadata.pageCount).to.equal(SAMPLE.pageCount);
    expect(ok.metadata.title).to.equal(SAMPLE.title);
    expect(allText(ok)).to.include(SAMPLE.footnote.text);
    expect(headers(ok).map((b) => b.text)).to.deep.equal(SAMPLE.headings.map((h) => h.text));
    const missing = await rejection(extractPdf(files['encrypted.pdf']));
    expect(missing.code).to.equal('E_PDF_PASSWORD');
    expect(missing.message).to.include('encrypted.pdf');
    expect(missing.details).to.deep.include({ reason: 'missing' });
    const wrong = await rejection(extractPdf(files['encrypted.pdf'], { password: 'nope' }));
    expect(wrong.code).to.equal('E_PDF_PASSWORD');
    expect(wrong.message).to.match(/wrong/);
    expect(wrong.details).to.deep.include({ reason: 'incorrect' });
    // Only an owner password: encrypted, but it opens without one.
    const owner = await extractPdf(files['owner-only.pdf']);
    expect(owner.metadata.encrypted).to.equal(true);
    expect(owner.metadata.pageCount).to.equal(SAMPLE.pageCount);
    expect(owner.metadata.title).to.equal(SAMPLE.title);
  });

  it('rejects empty, header-only, truncated and missing files with E_PDF_INVALID naming the file', async () => {
    const dir = files['sample.pdf'].slice(0, files['sample.pdf'].lastIndexOf('/') + 1);
    for (const f of [files['empty.pdf'], files['header-only.pdf'], files['truncated.pdf'], `${dir}does_not_exist.pdf`]) {
      const e = await rejection(extractPdf(f));
      expect(e.code, f).to.equal('E_PDF_INVALID');
      expect(e.message, f).to.include(f.slice(dir.length));
    }
  });

  it('flags image-only pages for OCR, but not text pages or pages of vector drawing', async () => {
    const scan = await extractPdf(files['scan.pdf']);
    expect(scan.metadata.needsOcrPages).to.deep.equal([0, 1]);
    expect(scan.kind).to.equal('scan');
    expect(ofType(scan, 'Figure')).to.have.length(2);
    const mixed = await extractPdf(files['scan-mixed.pdf']);
    expect(mixed.metadata.pageCount).to.equal(3);
    expect(mixed.metadata.needsOcrPages).to.deep.equal([0, 2]);
    expect(mixed.kind).to.equal('document');
    const vector = await extractPdf(files['vector-only.pdf']);
    expect(vector.metadata.pageCount).to.equal(1);
    expect(vector.metadata.needsOcrPages).to.deep.equal([]);
    expect(vector.pages![0]!.textChars).to.equal(0);
    expect(vector.blocks).to.deep.equal([]);
    for (const d of [scan, mixed, vector]) expect(validatePdfFormat(d, req).valid).to.equal(true);
  });

  it('honours maxPages and cancellation', async () => {
    const d = await extractPdf(files['long.pdf'], { maxPages: 5 });
    expect(d.metadata.pageCount).to.equal(SAMPLE.longPages);
    expect(d.pages).to.have.length(5);
    expect(d.blocks.every((b) => b.page < 5)).to.equal(true);
    expect(headers(d).map((b) => b.text)).to.deep.equal(['Chapter 1', 'Chapter 2', 'Chapter 3', 'Chapter 4', 'Chapter 5']);
    const ac = new AbortController();
    const seen: number[] = [];
    const e = await rejection(
      extractPdf(files['long.pdf'], {
        signal: ac.signal,
        onPage: (p) => {
          seen.push(p.page);
          if (p.page === 2) ac.abort();
        },
      }),
    );
    expect(e.code).to.equal('E_CANCELED');
    expect(seen).to.deep.equal([1, 2]);
  });

  it('extracts every page of the long sample', async () => {
    const d = await extractPdf(files['long.pdf']);
    expect(d.pages).to.have.length(SAMPLE.longPages);
    expect(d.outline).to.have.length(SAMPLE.longPages);
    expect(headers(d)).to.have.length(SAMPLE.longPages);
    expect(ofType(d, 'PageFooter').map((b) => b.text)).to.deep.equal(Array.from({ length: SAMPLE.longPages }, (_, i) => String(i + 1)));
    expect(validatePdfFormat(d, req).valid).to.equal(true);
  });

  it('sweeps the samples: every file extracts to a valid document or fails with a known code', async () => {
    const failures: string[] = [];
    for (const [name, path] of Object.entries(files)) {
      try {
        const v = validatePdfFormat(await extractPdf(path), req);
        // These must fail: damaged files, and an encrypted one opened without its password.
        if (['empty.pdf', 'header-only.pdf', 'truncated.pdf', 'encrypted.pdf'].includes(name)) failures.push(`${name}: extracted, but must fail`);
        if (!v.valid) failures.push(`${name}: invalid ${JSON.stringify(v.errors.slice(0, 3))}`);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (!(e instanceof CommsError) || !isErrorCode(code)) failures.push(`${name}: threw ${String(e)}`);
        else if (!['empty.pdf', 'header-only.pdf', 'truncated.pdf', 'encrypted.pdf'].includes(name)) failures.push(`${name}: unexpected ${code} ${e.message}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });
});
