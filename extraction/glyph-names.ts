import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * Unicode for a PostScript glyph name, by the Adobe Glyph List specification: a name is cut at
 * its first period ("a.sc", "afii10020.alt"), split at underscores into ligature components
 * ("f_f_i"), and each component is looked up in the glyph list or read as "uniXXXX[XXXX...]" or
 * "uXXXX[XX]". pdf.js resolves only whole names (its glyph list and uniXXXX/uXXXX), so a
 * suffixed name falls back to the character code, which is where Latin-1 text comes from.
 */

let glyphList: Map<string, number> | undefined;

/**
 * The glyph list pdf.js itself uses (4,300 names of the AGL plus TeX and afii names), read once
 * from the pdf.js worker source, so our names resolve exactly as pdf.js resolves the whole ones.
 * pdf.js does not export it; if a future build changes its shape the list comes out empty and
 * only uniXXXX/uXXXX names resolve (test/extraction-decoding.test.ts checks afii10017 -> А).
 */
function list(): Map<string, number> {
  if (glyphList) return glyphList;
  glyphList = new Map();
  try {
    const src = readFileSync(createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.worker.mjs'), 'utf8');
    const start = src.indexOf('getGlyphsUnicode = getLookupTableFactory(');
    const end = start < 0 ? -1 : src.indexOf('});', start);
    if (end > start) {
      for (const m of src.slice(start, end).matchAll(/t(?:\.([\w]+)|\["([^"]+)"\]) = 0x([0-9a-fA-F]+);/g)) {
        glyphList.set(m[1] ?? m[2]!, parseInt(m[3]!, 16));
      }
    }
  } catch {
    // No glyph list: uniXXXX/uXXXX names still resolve.
  }
  return glyphList;
}

function component(name: string): string | undefined {
  const known = list().get(name);
  if (known !== undefined && known > 0) return String.fromCodePoint(known);
  let m = /^uni((?:[0-9A-F]{4})+)$/.exec(name);
  if (m) {
    const codes = m[1]!.match(/.{4}/g)!.map((h) => parseInt(h, 16));
    // Surrogates are not characters; such a name is not a valid uni name.
    if (codes.some((c) => c >= 0xd800 && c <= 0xdfff)) return undefined;
    return String.fromCodePoint(...codes);
  }
  m = /^u([0-9A-F]{4,6})$/.exec(name);
  if (m) {
    const c = parseInt(m[1]!, 16);
    if (c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff)) return String.fromCodePoint(c);
  }
  return undefined;
}

/** The text a glyph name stands for, or undefined when the name is not in the glyph list nor a uni/u name. */
export function glyphText(name: string): string | undefined {
  const base = name.split('.')[0]!;
  if (!base) return undefined;
  const parts = base.split('_');
  let out = '';
  for (const p of parts) {
    const t = component(p);
    if (t === undefined) return undefined;
    out += t;
  }
  return out;
}
