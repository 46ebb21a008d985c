import type { PageLayout } from './types.ts';

/** Dot or dash leaders between a title and its page number: ". . . ." or "......". */
const LEADER = /(?:\.\s?){4,}|(?:…\s?){2,}|(?:_\s?){4,}/;
/** A table-of-contents entry line ends in a page number (arabic or roman) after some words. */
const ENTRY_END = /\s(\d{1,4}|[ivxlc]{1,6})$/i;
const HAS_LETTER = /\p{L}/u;
const NUMBERS_ONLY = /^(\d{1,4}\s*)+$/;

/**
 * Pages that are a table of contents (or list of figures, index): several lines with leaders, or
 * most lines ending in a page number. Their lines repeat the headings of the document and must
 * not be taken as headings themselves.
 */
export function tocPages(pages: PageLayout[]): Set<number> {
  const out = new Set<number>();
  for (const p of pages) {
    let lines = 0;
    let leaders = 0;
    let entries = 0;
    for (const b of p.blocks) {
      if (b.kind !== 'text') continue;
      for (const l of b.lines) {
        const t = l.trim();
        if (!t) continue;
        lines++;
        if (LEADER.test(t)) leaders++;
        else if ((ENTRY_END.test(t) && HAS_LETTER.test(t)) || NUMBERS_ONLY.test(t)) entries++;
      }
    }
    if (lines >= 5 && (leaders >= 3 || (leaders + entries) / lines >= 0.5)) out.add(p.index);
  }
  return out;
}
