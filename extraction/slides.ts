import type { HeadingInfo, LaidBlock, PageLayout } from './types.ts';

/** Share of text pages that must be landscape, and carry a title at the shared position. */
const LANDSCAPE_SHARE = 0.8;
const TITLE_SHARE = 0.5;
/** Navigation bars sit in the top band of a slide and are set well below body size. */
const NAV_BAND = 0.12;
const NAV_SIZE = 0.75;

const textBlocks = (p: PageLayout) => p.blocks.filter((b) => b.kind === 'text' && b.text.trim() !== '');
const key = (b: LaidBlock) => b.text.replace(/\s+/g, ' ').trim();

function isNav(b: LaidBlock, p: PageLayout, body: number): boolean {
  return b.bbox[3] <= p.height * NAV_BAND && b.size <= body * NAV_SIZE;
}

/**
 * Slide decks (Beamer, presentation exports): landscape pages with one title block at a fixed top
 * position on most pages. Frame titles are set at body size and not bold, so size rules miss them;
 * section names appear only in a small navigation bar. Returns null when the document is not a deck.
 *
 * Headings: the frame title where it changes from the previous slide (overlays repeat it), level 2;
 * and each navigation row whose text changes between slides (the current section/subsection;
 * rows that never change are the static list of all sections) where its text changes, level 1.
 */
export function slideHeadings(pages: PageLayout[], body: number): Map<LaidBlock, HeadingInfo> | null {
  const withText = pages.filter((p) => textBlocks(p).length > 0);
  if (withText.length < 3) return null;
  if (withText.filter((p) => p.width > p.height).length < LANDSCAPE_SHARE * withText.length) return null;

  const firstBelowNav = (p: PageLayout) => textBlocks(p).filter((b) => !isNav(b, p, body) && b.bbox[1] < p.height * 0.3).sort((a, b) => a.bbox[1] - b.bbox[1])[0];
  const tops = new Map<number, number>();
  for (const p of withText) {
    const b = firstBelowNav(p);
    if (b) tops.set(Math.round(b.bbox[1] / 2) * 2, (tops.get(Math.round(b.bbox[1] / 2) * 2) ?? 0) + 1);
  }
  const [titleY, count] = [...tops].sort((a, b) => b[1] - a[1])[0] ?? [0, 0];
  if (count < TITLE_SHARE * withText.length) return null;

  const out = new Map<LaidBlock, HeadingInfo>();
  // Navigation rows: the text of each small top row per page, keyed by the row's position.
  const rows = new Map<number, Array<{ p: PageLayout; blocks: LaidBlock[] }>>();
  for (const p of withText) {
    const byRow = new Map<number, LaidBlock[]>();
    for (const b of textBlocks(p).filter((x) => isNav(x, p, body))) {
      const y = Math.round(b.bbox[1] / 3) * 3;
      byRow.set(y, [...(byRow.get(y) ?? []), b]);
    }
    for (const [y, blocks] of byRow) rows.set(y, [...(rows.get(y) ?? []), { p, blocks }]);
  }
  for (const entries of rows.values()) {
    const texts = entries.map((e) => e.blocks.map(key).join(' | '));
    const distinct = new Set(texts);
    // A static row (all sections listed on every slide) names no current item.
    if (distinct.size < 2 || entries.length < 0.3 * withText.length) continue;
    let prev = '';
    entries.forEach((e, k) => {
      if (texts[k] !== prev && e.blocks.length === 1) out.set(e.blocks[0]!, { level: 1 });
      prev = texts[k]!;
    });
  }
  let prevTitle = '';
  for (const p of withText) {
    const b = firstBelowNav(p);
    if (!b || Math.abs(b.bbox[1] - titleY) > 3 || b.lines.length > 2) continue;
    if (key(b) !== prevTitle) out.set(b, { level: 2 });
    prevTitle = key(b);
  }
  return out;
}
