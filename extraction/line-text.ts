import type { Placed } from './segments.ts';
import type { Segment } from './types.ts';

/**
 * A footnote or affiliation mark opening a line ("¹Diese Aussage", set as a raised small "1"):
 * at most three characters, at most 0.8 x the size of the text after it and raised by more than
 * 0.2 em. It is a separate token; with no gap it would be glued to the first word.
 */
function isLeadingMarker(mark: Placed, next: Placed): boolean {
  return mark.size <= 0.8 * next.size && next.base - mark.base > 0.2 * next.size && /^[\p{L}\p{N}*†‡§]{1,3}$/u.test(mark.text.trim());
}

export const MARKS_ONLY = /^\p{M}+$/u;

/**
 * Combining marks painted as runs of their own (Arabic harakat, Hebrew points, some accents)
 * sit over their base letter; ordering runs by position puts them before or after the whole
 * word. Each such run is put into the run under it, right after the letter under its centre
 * (counting from the right in right-to-left text), which is where Unicode expects marks.
 */
export function attachMarks(ordered: Placed[], rtl: boolean): Placed[] {
  if (!ordered.some((it) => MARKS_ONLY.test(it.text))) return ordered;
  const bases = ordered.filter((it) => !MARKS_ONLY.test(it.text)).map((it) => ({ ...it }));
  const orphans: Placed[] = [];
  for (const mark of ordered.filter((it) => MARKS_ONLY.test(it.text))) {
    const cx = (mark.x0 + mark.x1) / 2;
    const base = bases.find((b) => cx >= b.x0 - 0.5 && cx <= b.x1 + 0.5);
    if (!base) {
      orphans.push(mark);
      continue;
    }
    const chars = [...base.text];
    const width = Math.max(1e-6, base.x1 - base.x0);
    const along = rtl ? (base.x1 - cx) / width : (cx - base.x0) / width;
    let at = Math.min(chars.length - 1, Math.max(0, Math.floor(along * chars.length)));
    // Skip marks already attached to that letter so several marks keep their order.
    while (at + 1 < chars.length && /\p{M}/u.test(chars[at + 1]!)) at++;
    chars.splice(at + 1, 0, mark.text);
    base.text = chars.join('');
  }
  return orphans.length ? [...bases, ...orphans] : bases;
}

/** Text of a line segment: its runs in reading order, spaced where the gap is wider than 0.15 em, attributes by majority. */
export function toSegment(items: Placed[], line: number): Segment {
  let rtl = 0;
  let ltr = 0;
  for (const it of items) (it.rtl ? (rtl += it.text.length) : (ltr += it.text.length));
  const ordered = attachMarks(rtl > ltr ? [...items].reverse() : items, rtl > ltr);
  let text = '';
  let prev: Placed | undefined;
  for (const it of ordered) {
    if (prev) {
      // Fake bold: the same string painted twice a hair apart.
      if (it.text === prev.text && Math.abs(it.x0 - prev.x0) < 0.2 * it.size) continue;
      const gap = rtl > ltr ? prev.x0 - it.x1 : it.x0 - prev.x1;
      if ((gap > 0.15 * Math.min(it.size, prev.size) || (prev === ordered[0] && isLeadingMarker(prev, it))) && !/\s$/.test(text) && !/^\s/.test(it.text)) text += ' ';
    }
    text += it.text;
    prev = it;
  }
  let total = 0;
  let boldN = 0;
  let monoN = 0;
  let mathN = 0;
  const sizes: Array<[number, number]> = [];
  for (const it of items) {
    const n = Math.max(1, it.text.replace(/\s/g, '').length);
    total += n;
    if (it.bold) boldN += n;
    if (it.mono) monoN += n;
    if (it.math) mathN += n;
    sizes.push([it.size, n]);
  }
  sizes.sort((a, b) => a[0] - b[0]);
  let acc = 0;
  let size = sizes[0]![0];
  for (const [s, n] of sizes) {
    acc += n;
    size = s;
    if (acc >= total / 2) break;
  }
  return {
    text: text.replace(/\s+/g, ' ').trim(),
    x0: Math.min(...items.map((i) => i.x0)),
    x1: Math.max(...items.map((i) => i.x1)),
    y0: Math.min(...items.map((i) => i.y0)),
    y1: Math.max(...items.map((i) => i.y1)),
    base: items[0]!.base,
    size,
    bold: boldN / total >= 0.8,
    mono: monoN / total >= 0.8,
    math: mathN / total,
    line,
  };
}
