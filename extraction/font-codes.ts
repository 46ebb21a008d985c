import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { glyphText } from './glyph-names.ts';

/**
 * Second chance for characters pdf.js could not map to Unicode in a simple (single-byte) font.
 *
 * pdf.js maps a code to Unicode through the font's ToUnicode map, else through the glyph name
 * the font's /Encoding (base encoding plus /Differences) gives the code, looked up whole in its
 * glyph list or read as uniXXXX/uXXXX. When neither works it emits the code itself as a
 * character (`toUnicode.get(code) || code`): code 0xC3 becomes "Ã". So a Cyrillic font whose
 * /Differences name "afii10020.alt" or "uni0415.sc" reads as Latin-1 letters. The font's
 * encoding is reachable (document opened with `fontExtraProperties`): for every code pdf.js left
 * unmapped whose glyph name resolves by the full Adobe Glyph List rules (glyph-names.ts), the
 * character pdf.js emitted is replaced by the name's text, unless that character is also what
 * another code of the font legitimately gives (then the text alone cannot tell them apart).
 * The font program's own built-in encoding is not exported by pdf.js and cannot be used here.
 */

interface FontExtra {
  composite?: boolean;
  differences?: unknown;
  defaultEncoding?: unknown;
  toUnicode?: { _map?: unknown };
}

export type CodeRemap = ReadonlyMap<string, string>;

const cache = new WeakMap<object, Map<string, CodeRemap | null>>();

/** The character replacements for one font of the page's document, or null when it needs none. */
export function fontRemap(page: PDFPageProxy, fontId: string): CodeRemap | null {
  const objs = page.commonObjs as unknown as object;
  let perDoc = cache.get(objs);
  if (!perDoc) {
    perDoc = new Map();
    cache.set(objs, perDoc);
  }
  const hit = perDoc.get(fontId);
  if (hit !== undefined) return hit;
  let font: FontExtra | null = null;
  try {
    if (page.commonObjs.has(fontId)) font = page.commonObjs.get(fontId) as FontExtra | null;
  } catch {
    font = null;
  }
  // A font not loaded yet (pdf.js failed to load it on this page) may load on a later page: ask again then.
  if (!font) return null;
  const remap = remapOf(font);
  perDoc.set(fontId, remap);
  return remap;
}

/** Exported for tests: the replacements implied by a font's encoding and ToUnicode table. */
export function remapOf(font: FontExtra): CodeRemap | null {
  if (font.composite) return null;
  const map = font.toUnicode?._map;
  // An identity map (or none) means pdf.js did not decode through glyph names.
  if (!Array.isArray(map)) return null;
  const differences = Array.isArray(font.differences) ? (font.differences as unknown[]) : [];
  const base = Array.isArray(font.defaultEncoding) ? (font.defaultEncoding as unknown[]) : [];
  const emitted = new Map<string, number>();
  const fixes = new Map<string, string>();
  for (let code = 0; code < 256; code++) {
    const known = map[code];
    const out = typeof known === 'string' && known !== '' ? known : String.fromCharCode(code);
    emitted.set(out, (emitted.get(out) ?? 0) + 1);
    if (typeof known === 'string' && known !== '') continue;
    const name = differences[code] ?? base[code];
    if (typeof name !== 'string' || name === '' || name === '.notdef') continue;
    const text = glyphText(name);
    if (text !== undefined && text !== out) fixes.set(out, text);
  }
  for (const out of [...fixes.keys()]) if ((emitted.get(out) ?? 0) > 1) fixes.delete(out);
  return fixes.size > 0 ? fixes : null;
}

/** Apply a font's replacements to a text run; returns the run and how many characters changed. */
export function applyRemap(text: string, remap: CodeRemap): { text: string; changed: number } {
  let changed = 0;
  let out = '';
  for (const ch of text) {
    const to = remap.get(ch);
    if (to !== undefined) {
      out += to;
      changed++;
    } else out += ch;
  }
  return { text: out, changed };
}
