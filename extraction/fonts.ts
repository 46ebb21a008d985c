import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { FontStyle } from './types.ts';

const BOLD = /bold|black|heavy|demi|semibold|extrabold|ultrabold|[-,+_]bd\b|\bbd$|-b$|cmbx|lmroman\d*-bold/i;
const MONO = /mono|courier|typewriter|consol|cmtt|lmmono|inconsolata|menlo|sourcecodepro|lucidaconsole|\btt\b/i;
const MATH = /cmmi|cmsy|cmex|lmmath|math|symbol|msam|msbm|stixmath|cambriamath|mtex|rsfs/i;

/**
 * Font style from the font's PostScript name. pdf.js puts loaded fonts in `commonObjs` once the
 * page's text pass has loaded them (pdfjs-text-pass.ts), keyed by the same id text items carry in `fontName`.
 * The flags pdf.js derives itself (bold, black) are used when present.
 */
export class FontStyles {
  readonly #cache = new Map<string, FontStyle>();

  get(page: PDFPageProxy, fontId: string): FontStyle {
    const hit = this.#cache.get(fontId);
    if (hit) return hit;
    let name = '';
    let flagBold = false;
    let flagMono = false;
    let found = false;
    try {
      if (page.commonObjs.has(fontId)) {
        const font = page.commonObjs.get(fontId) as { name?: unknown; bold?: unknown; black?: unknown; isMonospace?: unknown } | null;
        if (font) {
          found = true;
          name = typeof font.name === 'string' ? font.name : '';
          flagBold = font.bold === true || font.black === true;
          flagMono = font.isMonospace === true;
        }
      }
    } catch {
      // An unresolved font only loses style hints; text is still there.
    }
    const bare = name.replace(/^[A-Z]{6}\+/, '');
    const style: FontStyle = { bold: flagBold || BOLD.test(bare), mono: flagMono || MONO.test(bare), math: MATH.test(bare) };
    // A font not in commonObjs yet (pdf.js failed to load it on this page) may
    // be there on a later page: only a font that was found is remembered, as in font-codes.ts.
    if (found) this.#cache.set(fontId, style);
    return style;
  }
}
