import { expect } from 'chai';
import { decodeRun } from '../extraction/decode.ts';
import { remapOf } from '../extraction/font-codes.ts';
import { glyphText } from '../extraction/glyph-names.ts';
import { extractPdf } from '../extraction/index.ts';
import { marksAfterBase } from '../extraction/rtl-marks.ts';
import { handmadePdf, type1FontFile, type HandFont, type HandLine } from './support/handmade-pdf.ts';

/** Extract a hand-written one-page PDF; returns its text and the page's quality notes. */
async function extract(fonts: HandFont[], lines: HandLine[], extra: Array<string | Buffer> = []): Promise<{ text: string; quality: string[] }> {
  const data = new Uint8Array(handmadePdf(fonts, lines, extra));
  const d = await extractPdf('handmade.pdf', { data, workers: 0 });
  return { text: d.blocks.map((b) => b.text).join('\n'), quality: d.pages?.[0]?.quality ?? [] };
}

const CYR = 'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдежзийклмнопрстуфхцчшщъыьэюя';
/** Codes of a Russian text in cp1251 (spaces and ASCII as they are). */
const cp1251 = (s: string): number[] => [...s].map((c) => (CYR.includes(c) ? 0xc0 + CYR.indexOf(c) : c.charCodeAt(0)));
/** Glyph names of А..Я, а..я in the Adobe Glyph List (afii10017... without Ё). */
const AFII = [...CYR].map((_, i) => `afii${i < 32 ? 10017 + i + (i >= 6 ? 1 : 0) : 10065 + (i - 32) + (i - 32 >= 6 ? 1 : 0)}`);

describe('glyph names and encodings of fonts without ToUnicode', function () {
  this.timeout(60_000);

  it('resolves glyph names by the Adobe Glyph List rules, suffixes and ligatures included', () => {
    expect(glyphText('afii10017')).to.equal('А');
    expect(glyphText('Zhecyrillic')).to.equal('Ж');
    expect(glyphText('uni0411')).to.equal('Б');
    expect(glyphText('u0414')).to.equal('Д');
    expect(glyphText('afii10020.alt')).to.equal('Г');
    expect(glyphText('uni0415.sc')).to.equal('Е');
    expect(glyphText('f_f_i')).to.equal('ffi');
    expect(glyphText('uni004100420043')).to.equal('ABC');
    expect(glyphText('cyrz')).to.equal(undefined);
    expect(glyphText('.notdef')).to.equal(undefined);
  });

  it('builds replacements only for codes pdf.js left as raw codes, never for ambiguous ones', () => {
    const toUnicode = { _map: Object.assign([], { 65: 'A', 195: 'Ã' }) };
    const remap = remapOf({ differences: Object.assign([], { 192: 'afii10017.alt', 193: 'cyrz', 194: 'uni0411.sc' }), defaultEncoding: [], toUnicode });
    expect(remap && Object.fromEntries(remap)).to.deep.equal({ À: 'А', Â: 'Б' });
    // Code 0x20 legitimately gives 'Ã'; raw code 0xC3 also emits 'Ã': the text cannot tell them apart.
    const clash = remapOf({ differences: Object.assign([], { 0xc3: 'afii10017' }), defaultEncoding: [], toUnicode: { _map: Object.assign([], { 0x20: 'Ã' }) } });
    expect(clash).to.equal(null);
  });

  it('decodes /Differences naming afii, uni and suffixed Cyrillic glyphs in a simple font without ToUnicode', async () => {
    const names = ['afii10033', 'afii10082', 'afii10074.sc', 'uni0432.alt', 'afii10070', 'uni0442'];
    const font = `/Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding /Differences [192 ${names.map((n) => '/' + n).join(' ')}] >>`;
    const { text, quality } = await extract([{ name: 'F1', dict: font }], [{ font: 'F1', size: 12, x: 72, y: 700, bytes: [192, 193, 194, 195, 196, 197, 32, 49] }]);
    expect(text).to.equal('Привет 1');
    // pdf.js itself resolves whole names; the two suffixed names were ours.
    expect(quality.join(' ')).to.match(/2 characters decoded from the font's glyph names/);
  });

  /** A Type 1 font program whose own (built-in) encoding is cp1251, glyphs named by the AGL. */
  function cp1251Font(pdfEncoding: string): { fonts: HandFont[]; extra: Buffer[] } {
    const encoding: Record<number, string> = { 32: 'space', 49: 'one' };
    AFII.forEach((n, i) => (encoding[0xc0 + i] = n));
    const dict = `/Type /Font /Subtype /Type1 /BaseFont /TestCyr /FirstChar 32 /LastChar 255 /Widths [${Array(224).fill(500).join(' ')}] ${pdfEncoding} /FontDescriptor 100 0 R`;
    const descriptor = '<< /Type /FontDescriptor /FontName /TestCyr /Flags 32 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 /FontFile 101 0 R >>';
    return { fonts: [{ name: 'F1', dict }], extra: [Buffer.from(descriptor, 'latin1'), type1FontFile('TestCyr', encoding)] };
  }

  it("uses an embedded Type 1 font's own encoding when the PDF declares none", async () => {
    const { fonts, extra } = cp1251Font('');
    const { text, quality } = await extract(fonts, [{ font: 'F1', size: 12, x: 72, y: 700, bytes: cp1251('Привет мир') }], extra);
    expect(text).to.equal('Привет мир');
    expect(quality).to.deep.equal([]);
  });

  it('maps a cp1251 font read through /WinAnsiEncoding (Latin-1 mojibake in pdf.js and pdftotext) back to Cyrillic and notes it', async () => {
    const { fonts, extra } = cp1251Font('/Encoding /WinAnsiEncoding');
    const { text, quality } = await extract(fonts, [{ font: 'F1', size: 12, x: 72, y: 700, bytes: cp1251('Глава 1 Привет мир') }], extra);
    expect(text).to.equal('Глава 1 Привет мир');
    expect(quality.join(' ')).to.match(/re-decoded as cp1251/);
  });

  it('repairs cp1251 runs by share or by a long all-Latin-1 word, checks letter frequencies, and leaves Western text alone', () => {
    expect(decodeRun('Ïðèâåò, ìèð').text).to.equal('Привет, мир');
    expect(decodeRun('Ãëàâà 1. Introduction')).to.include({ text: 'Глава 1. Introduction', repaired: true });
    for (const western of ['Événement à Zürich, déjà vu', 'Þá kom hann', 'Straße Öl Ärger Übung', 'São Paulo, ações']) {
      expect(decodeRun(western)).to.deep.equal({ text: western, repaired: false, undecodable: 0, suspicious: 0 });
    }
    // KOI8-R codes read as Latin-1 map through cp1251 to a shuffled alphabet: flagged, not "repaired".
    const koi8 = 'ÐÏ ÓÌÏ×ÁÍ ÍÉÎÉÓÔÒÁ ÐÒÁ×ÉÔÅÌØÓÔ×Ï ÐÒÅÄÓÔÁ×ÉÌÏ ÄÏËÌÁÄ';
    expect(decodeRun(koi8)).to.include({ text: koi8, repaired: false });
    expect(decodeRun(koi8).suspicious).to.be.greaterThan(20);
    // UTF-8 bytes read as Latin-1 are flagged.
    expect(decodeRun('Ã©tÃ© rÃ©sumÃ©').suspicious).to.equal(8);
  });
});

describe('right-to-left text: marks after their letters, presentation forms as letters', function () {
  this.timeout(60_000);

  it('moves marks that precede their letters after them, and leaves lines already in order', () => {
    // Reversed runs: every mark before its letter (a mark starts a word, none ends one).
    expect(marksAfterBase('\u064e\u062d\u0628\u064a\u0628\u064a')).to.equal('\u062d\u064e\u0628\u064a\u0628\u064a');
    expect(marksAfterBase('\u064e\u062d\u0650\u0628\u064a \u064f\u0643\u062a\u0628')).to.equal('\u062d\u064e\u0628\u0650\u064a \u0643\u064f\u062a\u0628');
    // Shadda + fatha stay together, in their order.
    expect(marksAfterBase('\u0651\u064e\u0645 \u0645')).to.equal('\u0645\u0651\u064e \u0645');
    // Already logical: a mark ends a word ("أيضًا" has its tanwin inside; "كتبَ" ends in a fatha).
    for (const ok of ['\u0623\u064a\u0636\u064b\u0627', '\u0643\u062a\u0628\u064e \u064f\u0643', 'بناء ً على', 'café\u0301']) expect(marksAfterBase(ok)).to.equal(ok);
  });

  it('extracts Arabic written in visual order with marks after their letters in logical order, lam-alef as two letters', async () => {
    // A Type 3 font (no font program needed) naming the Arabic glyphs uniXXXX; marks have zero width.
    const glyphs = ['uni062D', 'uni064E', 'uni0628', 'uni064A', 'space', 'uni0643', 'uni064F', 'uni062A', 'uniFEFB'];
    const widths = [500, 0, 500, 500, 250, 500, 0, 500, 500];
    const font = `/Type /Font /Subtype /Type3 /FontBBox [0 0 500 700] /FontMatrix [0.001 0 0 0.001 0 0] /Resources << >> /CharProcs << ${glyphs.map((g) => `/${g} 100 0 R`).join(' ')} >> /Encoding << /Type /Encoding /Differences [65 ${glyphs.map((g) => '/' + g).join(' ')}] >> /FirstChar 65 /LastChar ${64 + glyphs.length} /Widths [${widths.join(' ')}]`;
    const proc = '500 0 0 0 500 700 d1\n0 0 500 700 re f';
    // "لا كُتب حَبيبي" drawn left to right, each mark right after its letter.
    const visual = ['uni064A', 'uni0628', 'uni064A', 'uni0628', 'uni062D', 'uni064E', 'space', 'uni0628', 'uni062A', 'uni0643', 'uni064F', 'space', 'uniFEFB'];
    const bytes = visual.map((g) => 65 + glyphs.indexOf(g));
    const { text } = await extract([{ name: 'F1', dict: font }], [{ font: 'F1', size: 12, x: 72, y: 700, bytes }], [`<< /Length ${proc.length} >>\nstream\n${proc}\nendstream`]);
    expect(text).to.equal('\u0644\u0627 \u0643\u064f\u062a\u0628 \u062d\u064e\u0628\u064a\u0628\u064a');
  });

  it('NFKC-normalises Arabic presentation forms and Latin ligatures', () => {
    expect(decodeRun('\ufefb\ufe8e').text).to.equal('\u0644\u0627\u0627');
    expect(decodeRun('\ufdf2').text).to.equal('\u0627\u0644\u0644\u0647');
    expect(decodeRun('\ufe91\ufe98\ufeb0').text).to.equal('\u0628\u062a\u0632');
    expect(decodeRun('con\ufb01dent').text).to.equal('confident');
  });
});
