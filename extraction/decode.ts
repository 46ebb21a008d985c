/**
 * Repair of text from fonts without a usable ToUnicode map. pdf.js (like pdftotext) decodes such
 * fonts through their encoding and glyph names (font-codes.ts adds the names pdf.js misses); when
 * a single-byte Cyrillic font (cp1251 codes, glyph names only the font program knows) falls
 * through to the standard Latin encoding, every Cyrillic letter comes out as a Latin-1 letter in
 * U+00C0-U+00FF ("Ïðèâåò" for "Привет"). In cp1251 the codes 0xC0-0xFF are exactly А-я
 * (U+0410-U+044F) and 0x00-0x7F are ASCII, so such a run can be mapped back code for code.
 */

/** Share of letters in U+00C0-U+00FF above which a run is cp1251 read as Latin-1. */
const MOJIBAKE_SHARE = 0.6;
const MIN_LETTERS = 3;
/** Share of U+00C0-U+00FF letters that is flagged (not repaired) when the run is not repaired. */
const SALAD_SHARE = 0.4;
/** A word this long made only of U+00C0-U+00FF letters is not Western text (see docs/extraction.md). */
const MOJIBAKE_WORD = 4;
/** cp1251 letters outside А-я, as their codes read in Latin-1: Ё ё Ђ... (0xA8 ¨, 0xB8 ¸, 0xAA ª, 0xBA º, 0xAF ¯, 0xBF ¿, 0xB2 ², 0xB3 ³, 0xA5 ¥, 0xB4 ´, 0xA1 ¡, 0xA2 ¢). */
const CP1251_EXTRA: Record<string, string> = {
  '\u00a8': '\u0401',
  '\u00b8': '\u0451',
  '\u00aa': '\u0404',
  '\u00ba': '\u0454',
  '\u00af': '\u0407',
  '\u00bf': '\u0457',
  '\u00b2': '\u0406',
  '\u00b3': '\u0456',
  '\u00a5': '\u0490',
  '\u00b4': '\u0491',
  '\u00a1': '\u040e',
  '\u00a2': '\u045e',
};

export interface Decoded {
  text: string;
  /** The run was cp1251 read as Latin-1 and has been mapped back. */
  repaired: boolean;
  /** How many replacement, private-use or control characters the run still contains. */
  undecodable: number;
  /** How many characters still look mis-decoded (UTF-8 bytes read as Latin-1, a Latin-1 letter salad not repaired). */
  suspicious: number;
}

const LATIN1_HIGH = /[\u00c0-\u00ff]/;
const UNDECODABLE = /[\ufffd\ue000-\uf8ff\u0000-\u0008\u000e-\u001f]/gu;
const UNDECODABLE_ANY = /[\ufffd\ue000-\uf8ff\u0000-\u0008\u000e-\u001f]/u;
/** A maximal word of cp1251 letters as read in Latin-1 (× and ÷ are not letters). */
const HIGH_WORD = /[\u00a1\u00a2\u00a5\u00a8\u00aa\u00af\u00b2-\u00b4\u00b8\u00ba\u00bf\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]+/g;
/** A UTF-8 lead byte read as Latin-1 followed by a continuation byte read as Latin-1 or cp1252 ("Ã©" for "é", "Ð¿" for "п"). */
const UTF8_AS_LATIN1 = /[\u00c2-\u00df][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]/g;

/** Presentation forms (Latin ligatures such as U+FB01 "ﬁ", Hebrew and Arabic contextual shapes) stand for ordinary letters: NFKC maps them back. */
const PRESENTATION_FORMS = /[\ufb00-\ufdff\ufe70-\ufeff]+/gu;
const HAS_FORMS = /[\ufb00-\ufdff\ufe70-\ufeff]/u;

/** The ten commonest letters of Russian (also among the commonest of Ukrainian and Bulgarian). */
const COMMON_CYRILLIC = /[оеаинтсрвл]/g;
/** Below this many Cyrillic letters the letter-frequency check says nothing. */
const FREQ_MIN_LETTERS = 20;
/** Least share of the common letters in real text (visible corpus: min 0.556 over 158 Russian blocks; KOI8-R read through cp1251: median 0.361). */
const FREQ_MIN_SHARE = 0.45;

/** Whether text mapped through cp1251 reads like a Cyrillic language rather than a shuffled alphabet (another code page). */
function plausibleCyrillic(text: string): boolean {
  const lower = text.toLowerCase();
  const letters = (lower.match(/[а-яё]/g) ?? []).length;
  if (letters < FREQ_MIN_LETTERS) return true;
  return (lower.match(COMMON_CYRILLIC) ?? []).length / letters >= FREQ_MIN_SHARE;
}

function isHighLetter(c: string): boolean {
  return c >= '\u00c0' && c <= '\u00ff' && c !== '\u00d7' && c !== '\u00f7';
}

export function decodeRun(raw: string): Decoded {
  const text = HAS_FORMS.test(raw) ? raw.replace(PRESENTATION_FORMS, (m) => m.normalize('NFKC')) : raw;
  const undecodable = UNDECODABLE_ANY.test(text) ? (text.match(UNDECODABLE) ?? []).length : 0;
  // Most runs have no Latin-1 letters at all; skip the letter count for them (hot path).
  if (!LATIN1_HIGH.test(text)) return { text, repaired: false, undecodable, suspicious: 0 };
  const utf8 = (text.match(UTF8_AS_LATIN1) ?? []).length * 2;
  if (utf8 > 0) return { text, repaired: false, undecodable, suspicious: utf8 };
  const letters = text.match(/\p{L}/gu) ?? [];
  const high = letters.filter(isHighLetter).length;
  const longWord = (text.match(HIGH_WORD) ?? []).some((w) => [...w].filter(isHighLetter).length >= MOJIBAKE_WORD);
  if (letters.length >= MIN_LETTERS && (high / letters.length >= MOJIBAKE_SHARE || longWord)) {
    const out = text.replace(/[\u00a1\u00a2\u00a5\u00a8\u00aa\u00af\u00b2-\u00b4\u00b8\u00ba\u00bf\u00c0-\u00ff]/g, (c) =>
      c === '\u00d7' || c === '\u00f7' ? c : (CP1251_EXTRA[c] ?? String.fromCharCode(c.charCodeAt(0) - 0xc0 + 0x410)),
    );
    if (!plausibleCyrillic(out)) return { text, repaired: false, undecodable, suspicious: high };
    return { text: out, repaired: true, undecodable, suspicious: 0 };
  }
  // Too short or too mixed to repair, but still mostly Latin-1 letters: say so rather than guess.
  const salad = high >= MIN_LETTERS && high / letters.length >= SALAD_SHARE ? high : 0;
  return { text, repaired: false, undecodable, suspicious: salad };
}
