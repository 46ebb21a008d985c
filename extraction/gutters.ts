/**
 * Column gutters of a page, found from where many lines have white space at the same x.
 *
 * A line is split into segments where a gap is wider than about an em (segments.ts). Columns set
 * closer than that (narrow gutters, justified text that runs up to the gutter) were joined line by
 * line into segments spanning both columns, so the reader interleaved the columns' lines. A
 * gutter shows as an x band where at least five lines have a gap and at most a quarter as many
 * lines have ink; word spaces of prose fall at different x on every line, so they never form one.
 * Gaps that cross a gutter split the line even when narrower than an em.
 */

/** What gutter detection needs of a placed text item. */
export interface Inked {
  x0: number;
  x1: number;
  size: number;
}

export type Gutter = [number, number];

const MIN_LINES = 5;
/** Lines with ink in the band may be at most this share of the lines with a gap there. */
const MAX_INK_SHARE = 0.25;
/** A gap narrower than this share of an em is a letter or word space, never a gutter. */
const MIN_GAP_EM = 0.2;
/** Widest extent (pt) considered; larger coordinates come from broken matrices. */
const MAX_WIDTH = 5000;

function mark(counts: Uint16Array, from: number, to: number): void {
  for (let x = Math.max(0, Math.ceil(from)); x < Math.min(counts.length, Math.floor(to)); x++) counts[x]!++;
}

/** Gutters among lines whose items are sorted left to right. */
export function findGutters(lines: ReadonlyArray<readonly Inked[]>): Gutter[] {
  if (lines.length < MIN_LINES) return [];
  let lo = Infinity;
  let hi = -Infinity;
  for (const line of lines) for (const it of line) (lo = Math.min(lo, it.x0)), (hi = Math.max(hi, it.x1));
  const width = Math.ceil(hi - lo) + 1;
  if (!(width > 0) || width > MAX_WIDTH) return [];
  const gaps = new Uint16Array(width);
  const ink = new Uint16Array(width);
  for (const line of lines) {
    let right = -Infinity;
    for (const it of line) {
      mark(ink, it.x0 - lo, it.x1 - lo);
      if (right > -Infinity && it.x0 - right >= MIN_GAP_EM * it.size) mark(gaps, right - lo, it.x0 - lo);
      right = Math.max(right, it.x1);
    }
  }
  const out: Gutter[] = [];
  let start = -1;
  for (let x = 0; x <= width; x++) {
    const isGutter = x < width && gaps[x]! >= MIN_LINES && ink[x]! <= MAX_INK_SHARE * gaps[x]!;
    if (isGutter && start < 0) start = x;
    if (!isGutter && start >= 0) {
      out.push([lo + start, lo + x]);
      start = -1;
    }
  }
  return out;
}

/** Whether the white space from `left` to `right` contains the middle of a gutter. */
export function crossesGutter(left: number, right: number, gutters: readonly Gutter[]): boolean {
  return gutters.some(([a, b]) => left <= (a + b) / 2 && right >= (a + b) / 2);
}
