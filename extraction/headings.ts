import { isLabelOnly, splitLabel } from './numbering.ts';
import { slideHeadings } from './slides.ts';
import type { HeadingInfo, LaidBlock, PageLayout } from './types.ts';

export type { HeadingInfo } from './types.ts';


export interface HeadingContext {
  body: number;
  /** Title from the document's metadata, if any. */
  title?: string;
  /** Running header/footer or page number: never a heading, skipped when looking at neighbours. */
  isRunning: (b: LaidBlock, p: PageLayout) => boolean;
  /** Pages that are a table of contents. */
  toc: Set<number>;
}

/** Figure/table captions. ("Exhibit N" is left out: in government manuals it labels an appendix unit.) */
const CAPTION = /^(figure|fig\.|table|tab\.|abbildung|abb\.|tabelle|рис\.?|рисунок|таблица|chart|listing)\s*[\dIVX]+[.:\s-]?/i;
/** Continuation of a heading on the next page: "(Cont. 1)", "(continued)", "(Fortsetzung)". */
const CONTINUED = /\((?:cont\.?|continued|fortsetzung|продолжение)\b[^)]*\)/i;

function letters(s: string): number {
  return (s.match(/\p{L}/gu) ?? []).length;
}

/** Short, mostly-letters text of at most three lines, not a caption, not a formula, not code. */
function headingShape(b: LaidBlock): boolean {
  const t = b.text.trim();
  return (
    b.kind === 'text' &&
    !b.mono &&
    b.lines.length <= 3 &&
    t.length >= 2 &&
    t.length <= 200 &&
    letters(t) >= 2 &&
    b.math < 0.5 &&
    !(t.length > 80 && /[.;,]$/.test(t)) &&
    !CAPTION.test(t) &&
    !CONTINUED.test(t)
  );
}

/** Larger than body, or bold at body size without closing punctuation (run-in labels end in ":" or "."). */
function styledAsHeading(b: LaidBlock, body: number): boolean {
  if (b.size >= body * 1.08) return true;
  return b.bold && b.size >= body * 0.95 && b.text.length <= 120 && !/[.:,;]$/.test(b.text.trim());
}

const sameStyle = (a: LaidBlock, b: LaidBlock) => Math.abs(a.size - b.size) <= 0.05 * Math.max(a.size, b.size) && a.bold === b.bold;
const sameLine = (a: LaidBlock, b: LaidBlock) => {
  const overlap = Math.min(a.bbox[3], b.bbox[3]) - Math.max(a.bbox[1], b.bbox[1]);
  return overlap >= 0.6 * Math.min(a.bbox[3] - a.bbox[1], b.bbox[3] - b.bbox[1]);
};
const inside = (b: LaidBlock, f: LaidBlock) => {
  const cx = (b.bbox[0] + b.bbox[2]) / 2;
  const cy = (b.bbox[1] + b.bbox[3]) / 2;
  return cx >= f.bbox[0] && cx <= f.bbox[2] && cy >= f.bbox[1] && cy <= f.bbox[3];
};

/**
 * Merge a label-only block ("Chapter 1", "3.1.2") with the heading block right after it when both
 * look like headings: LaTeX sets "Chapter 1" on its own line above the title, and many writers
 * put a section number a tab stop away from the title (a separate segment).
 */
function mergeLabels(p: PageLayout, isCandidate: (b: LaidBlock) => boolean): void {
  for (let i = 0; i + 1 < p.blocks.length; i++) {
    const a = p.blocks[i]!;
    const b = p.blocks[i + 1]!;
    if (a.kind !== 'text' || b.kind !== 'text' || !isLabelOnly(a.text) || isLabelOnly(b.text)) continue;
    if (!isCandidate(b) || !(a.bold || a.size >= b.size * 0.9)) continue;
    const close = sameLine(a, b) ? b.bbox[0] - a.bbox[2] < 6 * b.size : b.bbox[1] - a.bbox[3] < 3 * b.size && b.bbox[1] >= a.bbox[1];
    if (!close) continue;
    p.blocks.splice(i, 2, {
      ...b,
      bbox: [Math.min(a.bbox[0], b.bbox[0]), Math.min(a.bbox[1], b.bbox[1]), Math.max(a.bbox[2], b.bbox[2]), Math.max(a.bbox[3], b.bbox[3])],
      text: `${a.text.trim()} ${b.text.trim()}`,
      lines: [...a.lines, ...b.lines],
      size: Math.max(a.size, b.size),
    });
  }
}

/**
 * Find headings from the page content alone. A block is a heading when it is heading-shaped,
 * set larger than body (or bold at body size), not monospace, not on a table-of-contents page,
 * not inside a figure, not one of several same-style blocks on one line (a table's header row),
 * and not one of a run of same-style blocks (title-page author lines, lists of labels): a
 * heading is followed by text of another style. Levels follow printed numbering when there is
 * one (1 -> 1, 1.2 -> 2), else the rank of the heading's font size.
 */
export function detectHeadings(pages: PageLayout[], ctx: HeadingContext): Map<LaidBlock, HeadingInfo> {
  const slides = slideHeadings(pages, ctx.body);
  if (slides) return slides;
  const candidate = (b: LaidBlock, p: PageLayout) => headingShape(b) && styledAsHeading(b, ctx.body) && !ctx.isRunning(b, p) && !ctx.toc.has(p.index);
  for (const p of pages) mergeLabels(p, (b) => candidate(b, p));

  const chosen: Array<{ b: LaidBlock; p: PageLayout }> = [];
  for (const p of pages) {
    const flow = p.blocks.filter((b) => !(b.kind === 'text' && (ctx.isRunning(b, p) || b.text.trim() === '')));
    const figures = p.blocks.filter((b) => b.kind === 'figure' || b.kind === 'table');
    const isCand = flow.map((b) => candidate(b, p));
    for (let i = 0; i < flow.length; i++) {
      if (!isCand[i]) continue;
      const b = flow[i]!;
      if (figures.some((f) => inside(b, f))) continue;
      if (flow.some((o, k) => k !== i && isCand[k] && sameLine(o, b) && sameStyle(o, b))) continue;
      if (runLength(flow, isCand, i) >= 3) continue;
      chosen.push({ b, p });
    }
  }
  const title = documentTitle(pages, chosen, ctx);
  return assignLevels(chosen.filter((c) => !title.has(c.b)).map((c) => c.b));
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** A page that has text but no paragraph of body text (two or more lines at body size). */
function withoutBody(p: PageLayout, body: number): boolean {
  const text = p.blocks.filter((b) => b.kind === 'text' && b.text.trim() !== '');
  return text.length > 0 && !text.some((b) => b.lines.length >= 2 && b.size <= body * 1.05);
}

/**
 * The document title and title-page lines are not sections (documents of three or more pages). On the first page with text, when it
 * has no body paragraph (a title page), every candidate is a title-page line (title, authors,
 * date). Otherwise the largest candidate on the first two pages is the title when nothing later
 * is set as large, and any candidate equal to the metadata title on those pages is the title too.
 */
function documentTitle(pages: PageLayout[], chosen: Array<{ b: LaidBlock; p: PageLayout }>, ctx: HeadingContext): Set<LaidBlock> {
  const out = new Set<LaidBlock>();
  // A one- or two-page document has no separate title page; its title is its first heading.
  if (pages.length < 3) return out;
  const first = pages.find((p) => p.blocks.some((b) => b.kind === 'text' && b.text.trim() !== ''));
  if (!first) return out;
  const early = chosen.filter((c) => c.p.index <= first.index + 1);
  if (withoutBody(first, ctx.body)) for (const c of chosen) if (c.p === first) out.add(c.b);
  const meta = ctx.title ? norm(ctx.title) : '';
  for (const c of early) if (meta && norm(c.b.text) === meta) out.add(c.b);
  const largest = early.filter((c) => c.p === first).sort((a, b) => b.b.size - a.b.size)[0];
  const laterMax = Math.max(0, ...chosen.filter((c) => c.p.index > first.index + 1).map((c) => c.b.size));
  if (largest && largest.b.size > laterMax * 1.05) {
    out.add(largest.b);
    // The same title repeated on a half-title page.
    for (const c of early) if (norm(c.b.text) === norm(largest.b.text)) out.add(c.b);
  }
  return out;
}

/** Length of the run of consecutive same-style candidates, one under the other, that contains flow[i]. */
function runLength(flow: LaidBlock[], isCand: boolean[], i: number): number {
  const b = flow[i]!;
  const linked = (k: number) => k >= 0 && k < flow.length && isCand[k] && sameStyle(flow[k]!, b) && !sameLine(flow[k]!, b);
  let lo = i;
  while (linked(lo - 1)) lo--;
  let hi = i;
  while (linked(hi + 1)) hi++;
  return hi - lo + 1;
}

function assignLevels(blocks: LaidBlock[]): Map<LaidBlock, HeadingInfo> {
  const key = (b: LaidBlock) => Math.round(b.size * 2) / 2 + (b.bold ? 0.25 : 0);
  const ranks = [...new Set(blocks.map(key))].sort((a, b) => b - a);
  const out = new Map<LaidBlock, HeadingInfo>();
  for (const b of blocks) {
    const split = splitLabel(b.text);
    const info: HeadingInfo = { level: Math.min(9, split.depth > 0 ? split.depth : ranks.indexOf(key(b)) + 1) };
    if (split.number !== undefined) info.number = split.number;
    if (split.label !== undefined) info.label = split.label;
    if (split.number !== undefined && split.title) info.title = split.title;
    out.set(b, info);
  }
  return out;
}
