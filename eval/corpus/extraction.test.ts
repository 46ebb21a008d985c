import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { CommsError, isErrorCode } from '../../protocol/index.ts';
import { buildPdfRequirements, validatePdfFormat, type PdfDocument } from '../../protocol/pdf/index.ts';
import { extractPdf } from '../../extraction/index.ts';
import { corpusDir } from './corpus.ts';
import { rejection } from '../../test/support/rejection.ts';

// The real-world corpus (COMMS_CORPUS; in CI ../shared/corpus beside the repository).
const CORPUS = corpusDir();
const pdf = (name: string) => `${CORPUS}${name}`;

interface ManifestRow {
  file: string;
  pages: string;
}
const manifest: ManifestRow[] = readFileSync(pdf('MANIFEST.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const cols = line.split('\t');
    return { file: cols[0]!, pages: cols[2]! };
  });


const headers = (d: PdfDocument) => d.blocks.filter((b) => b.blockType === 'SectionHeader');

describe('extraction (pdf.js, real corpus)', function () {
  this.timeout(60_000);
  const req = buildPdfRequirements();

  it('extracts a JSS paper: metadata, outline headings, sections, valid format', async () => {
    const pages: number[] = [];
    const d = await extractPdf(pdf('paper_lme4_jss.pdf'), { onPage: (p) => pages.push(p.page) });
    expect(d.metadata.pageCount).to.equal(51);
    expect(pages).to.deep.equal(Array.from({ length: 51 }, (_, i) => i + 1));
    expect(d.metadata.title).to.equal('Fitting Linear Mixed-Effects Models using lme4');
    expect(d.metadata.authors).to.deep.equal(['Douglas Bates', 'Martin Mächler', 'Ben Bolker', 'Steve Walker']);
    expect(d.metadata.created).to.equal('2022-10-31T16:05:30.000Z');
    expect(d.metadata.sha256).to.equal('d13d6caf549b44c3543d01a7445c327ac472d266a8aee24f68a8d31d45d02ec9');
    expect(d.metadata.source.bytes).to.equal(529849);
    const intro = headers(d).find((b) => /Introduction/.test(b.text));
    expect(intro, 'heading "1. Introduction"').to.not.equal(undefined);
    expect(intro!.page).to.equal(0);
    expect(intro!.blockType === 'SectionHeader' && intro!.level).to.equal(1);
    expect(d.outline).to.have.length(47);
    const top = d.sections.filter((s) => s.parentId === null).map((s) => s.title);
    expect(top.some((t) => /Formula module/.test(t))).to.equal(true);
    expect(d.blocks.some((b) => b.blockType === 'Code' && b.text.includes('str(sleepstudy)'))).to.equal(true);
    expect(validatePdfFormat(d, req)).to.deep.equal({ valid: true, errors: [] });
  });

  it('finds headings from fonts when the outline is not used', async () => {
    const d = await extractPdf(pdf('paper_lme4_jss.pdf'), { useOutline: false, maxPages: 6 });
    const texts = headers(d).map((b) => b.text);
    expect(texts).to.include('1. Introduction');
    expect(texts).to.include('1.1. Linear mixed models');
    const l1 = headers(d).find((b) => b.text === '1. Introduction')!;
    const l2 = headers(d).find((b) => b.text === '1.1. Linear mixed models')!;
    expect(l1.blockType === 'SectionHeader' && l2.blockType === 'SectionHeader' && l1.level < l2.level).to.equal(true);
    expect(headers(d).every((b) => b.blockType === 'SectionHeader' && b.source === 'font')).to.equal(true);
  });

  it('reads a 3-column Federal Register page in column order', async () => {
    const d = await extractPdf(pdf('gov_federal_register_2020-17221.pdf'), { maxPages: 3 });
    const texts = d.blocks.filter((b) => b.page === 0).map((b) => b.text);
    const i = texts.findIndex((t) => t === 'Background');
    const j = texts.findIndex((t) => t.startsWith('SUMMARY:'));
    const k = texts.findIndex((t) => t.startsWith('• Fax:'));
    expect(i).to.be.greaterThan(-1);
    expect(j).to.be.greaterThan(-1);
    // Column 1 (SUMMARY) before column 2 (addresses list) before column 3 (Background).
    expect(j).to.be.lessThan(k);
    expect(k).to.be.lessThan(i);
    expect(headers(d).map((b) => b.text)).to.include('Background');
    expect(d.blocks.some((b) => b.blockType === 'PageFooter' && b.text.includes('VerDate'))).to.equal(true);
  });

  it('detects the NICS table with its columns, also when the page is rotated', async () => {
    for (const f of ['table_nics_background_checks.pdf', 'table_nics_background_checks_rot90.pdf']) {
      const d = await extractPdf(pdf(f));
      const t = d.blocks.find((b) => b.blockType === 'Table');
      expect(t, f).to.not.equal(undefined);
      if (t?.blockType !== 'Table') return;
      expect(t.cols).to.be.greaterThanOrEqual(20);
      const alabama = t.cells.find((c) => c.text === 'Alabama')!;
      const row = t.cells.filter((c) => c.row === alabama.row).sort((a, b) => a.col - b.col);
      expect(row[1]!.text).to.equal('18,870');
      expect(row[row.length - 1]!.text).to.equal('71,137');
    }
  });

  it('opens encrypted files with the password and names the file when it is missing or wrong', async () => {
    const ok = await extractPdf(pdf('enc_rc4_40_userpw_baz.pdf'), { password: 'baz' });
    expect(ok.metadata.encrypted).to.equal(true);
    expect(ok.blocks.map((b) => b.text).join(' ')).to.include('Secret!');
    const r6 = await extractPdf(pdf('enc_aes256_r6_userpw.pdf'), { password: 'usersecret' });
    expect(r6.blocks.map((b) => b.text).join(' ')).to.include('Hello World');
    const lo = await extractPdf(pdf('enc_libreoffice_openpassword.pdf'), { password: 'openpassword' });
    expect(lo.blocks.length).to.be.greaterThan(0);
    const missing = await rejection(extractPdf(pdf('enc_aes256_userpw_baz.pdf')));
    expect(missing.code).to.equal('E_PDF_PASSWORD');
    expect(missing.message).to.include('enc_aes256_userpw_baz.pdf');
    const wrong = await rejection(extractPdf(pdf('enc_aes256_r6_userpw.pdf'), { password: 'nope' }));
    expect(wrong.code).to.equal('E_PDF_PASSWORD');
    expect(wrong.message).to.match(/wrong/);
    const empty = await extractPdf(pdf('enc_dmca_empty_userpw.pdf'));
    expect(empty.metadata.encrypted).to.equal(true);
    expect(empty.metadata.pageCount).to.equal(18);
    expect(empty.metadata.title).to.equal('The Digital Millennium Copyright Act of 1998');
  });

  it('rejects empty and corrupt files with E_PDF_INVALID', async () => {
    for (const f of ['bad_empty_0_bytes.pdf', 'bad_header_and_eof_only.pdf', 'does_not_exist.pdf']) {
      const e = await rejection(extractPdf(pdf(f)));
      expect(e.code, f).to.equal('E_PDF_INVALID');
      expect(e.message, f).to.include(f);
    }
  });

  it('flags scanned pages for OCR', async () => {
    const scan = await extractPdf(pdf('scan_huckfinn_page.pdf'));
    expect(scan.metadata.needsOcrPages).to.deep.equal([0]);
    expect(scan.kind).to.equal('scan');
    expect(scan.blocks.some((b) => b.blockType === 'Figure')).to.equal(true);
    const mixed = await extractPdf(pdf('scan_multipage_mixed.pdf'));
    expect(mixed.metadata.pageCount).to.equal(6);
    expect(mixed.metadata.needsOcrPages.length).to.equal(5);
    expect(mixed.metadata.needsOcrPages).to.not.include(3);
  });

  it('reads XMP and PDF 2.0 UTF-8 metadata', async () => {
    const xmp = await extractPdf(pdf('misc_xmp_metadata.pdf'));
    expect(xmp.metadata.title).to.equal('Sample PDF with XMP Metadata');
    expect(xmp.metadata.authors).to.deep.equal(['John Doe']);
    const u = await extractPdf(pdf('misc_pdf20_utf8_strings.pdf'));
    expect(u.metadata.title).to.equal('表ポあA鷗ŒéＢ逍Üßªąñ丂㐀𠀀');
    expect(u.metadata.language).to.equal('en-UK');
    expect(u.metadata.pdfVersion).to.equal('2.0');
  });

  it('finds lists in a tagged LibreOffice file', async () => {
    const d = await extractPdf(pdf('misc_tagged_structure_fr.pdf'));
    const items = d.blocks.filter((b) => b.blockType === 'ListItem').map((b) => b.text);
    expect(items).to.include('1. Énumération 1');
    const group = d.blocks.find((b) => b.blockType === 'ListGroup');
    expect(group?.blockType === 'ListGroup' && group.childIds.length).to.be.greaterThanOrEqual(3);
  });

  it('honours maxPages and cancellation', async () => {
    const d = await extractPdf(pdf('huge_irs_irm_400p.pdf'), { maxPages: 5 });
    expect(d.metadata.pageCount).to.equal(400);
    expect(d.pages).to.have.length(5);
    expect(d.blocks.every((b) => b.page < 5)).to.equal(true);
    const ac = new AbortController();
    const e = await rejection(extractPdf(pdf('huge_irs_irm_400p.pdf'), { signal: ac.signal, onPage: (p) => p.page === 2 && ac.abort() }));
    expect(e.code).to.equal('E_CANCELED');
  });

  it('extracts all 400 pages of the IRS manual with bounded memory', async function () {
    this.timeout(120_000);
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const d = await extractPdf(pdf('huge_irs_irm_400p.pdf'), {
      onPage: () => {
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    expect(d.pages).to.have.length(400);
    expect(d.outline).to.have.length(134);
    expect(headers(d).some((b) => b.text.includes('Program Scope and Objectives'))).to.equal(true);
    expect(validatePdfFormat(d, req).valid).to.equal(true);
    // The result is a few MB of JSON; the heap must not hold all pages' pdf.js objects.
    expect(peak - before).to.be.lessThan(400 * 1024 * 1024);
  });

  it('sweeps the corpus: every file extracts to a valid document or fails with a known code', async function () {
    this.timeout(150_000);
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.pdf')).sort();
    expect(files.length).to.equal(manifest.length);
    const failures: string[] = [];
    for (const f of files) {
      try {
        const d = await extractPdf(pdf(f), { maxPages: 60 });
        const v = validatePdfFormat(d, req);
        if (!v.valid) failures.push(`${f}: invalid ${JSON.stringify(v.errors.slice(0, 3))}`);
        const expected = manifest.find((m) => m.file === f)!.pages;
        if (/^\d+$/.test(expected) && d.metadata.pageCount !== Number(expected)) failures.push(`${f}: ${d.metadata.pageCount} pages, manifest says ${expected}`);
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (!(e instanceof CommsError) || !isErrorCode(code)) failures.push(`${f}: threw ${String(e)}`);
        else if (!f.startsWith('bad_') && !f.startsWith('enc_')) failures.push(`${f}: unexpected ${code} ${e.message}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });
});
