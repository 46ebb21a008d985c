/**
 * Repair of text from fonts without a usable ToUnicode map. pdf.js (like pdftotext) decodes such
 * fonts through their encoding and glyph names; when a single-byte Cyrillic font (cp1251 codes,
 * glyph names the font program knows but the PDF does not declare) falls through to the standard
 * Latin encoding, every Cyrillic letter comes out as a Latin-1 letter in U+00C0-U+00FF
 * ("Ïðèâåò" for "Привет"). In cp1251 the codes 0xC0-0xFF are exactly А-я (U+0410-U+044F), so
 * such a run can be mapped back. Real Western text never has most of its letters in that range.
 */

/** Share of letters in U+00C0-U+00FF above which a run is cp1251 read as Latin-1. */
const MOJIBAKE_SHARE = 0.6;
const MIN_LETTERS = 3;
const CP1251_EXTRA: Record<string, string> = { '\u00a8': '\u0401', '\u00b8': '\u0451' };

export interface Decoded {
  text: string;
  /** The run was cp1251 read as Latin-1 and has been mapped back. */
  repaired: boolean;
  /** How many replacement, private-use or control characters the run still contains. */
  undecodable: number;
}

const LATIN1_HIGH = /[\u00c0-\u00ff]/;
const UNDECODABLE = /[\ufffd\ue000-\uf8ff\u0000-\u0008\u000e-\u001f]/gu;
const UNDECODABLE_ANY = /[\ufffd\ue000-\uf8ff\u0000-\u0008\u000e-\u001f]/u;

/** Presentation forms (Latin ligatures such as U+FB01 "ﬁ", Hebrew and Arabic contextual shapes) stand for ordinary letters: NFKC maps them back. */
const PRESENTATION_FORMS = /[\ufb00-\ufdff\ufe70-\ufeff]+/gu;
const HAS_FORMS = /[\ufb00-\ufdff\ufe70-\ufeff]/u;

export function decodeRun(raw: string): Decoded {
  const text = HAS_FORMS.test(raw) ? raw.replace(PRESENTATION_FORMS, (m) => m.normalize('NFKC')) : raw;
  const undecodable = UNDECODABLE_ANY.test(text) ? (text.match(UNDECODABLE) ?? []).length : 0;
  // Most runs have no Latin-1 letters at all; skip the letter count for them (hot path).
  if (!LATIN1_HIGH.test(text)) return { text, repaired: false, undecodable };
  const letters = text.match(/\p{L}/gu) ?? [];
  if (letters.length < MIN_LETTERS) return { text, repaired: false, undecodable };
  const high = letters.filter((c) => c >= '\u00c0' && c <= '\u00ff' && c !== '\u00d7' && c !== '\u00f7').length;
  if (high / letters.length < MOJIBAKE_SHARE) return { text, repaired: false, undecodable };
  const out = text.replace(/[\u00a8\u00b8\u00c0-\u00ff]/g, (c) => CP1251_EXTRA[c] ?? String.fromCharCode(c.charCodeAt(0) - 0xc0 + 0x410));
  return { text: out, repaired: true, undecodable };
}
