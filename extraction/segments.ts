import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem, TextStyle } from 'pdfjs-dist/types/src/display/api';
import { decodeRun } from './decode.ts';
import { applyRemap, fontRemap } from './font-codes.ts';
import type { FontStyles } from './fonts.ts';
import { multiply, toFrame } from './geometry.ts';
import { marksAfterBase } from './rtl-marks.ts';
import { crossesGutter, findGutters, type Gutter } from './gutters.ts';
import type { Segment } from './types.ts';

/** One text item placed in its direction's frame. */
export interface Placed {
  text: string;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  base: number;
  size: number;
  bold: boolean;
  mono: boolean;
  math: boolean;
  rtl: boolean;
}

export interface SegmentGroup {
  /** Text direction in display space, radians. */
  angle: number;
  cos: number;
  sin: number;
  segments: Segment[];
}

const LIST_MARKER = /^([•◦▪▫‣●○■□➢►▶✓✔–—*·-]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,5}[.)])$/;

function isTextItem(item: unknown): item is TextItem {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

/**
 * Turn pdf.js text items into segments: items are put in the frame of their writing direction,
 * grouped into lines by vertical overlap, and lines split where a gap is wider than about one em
 * (column gutters, table cells). A lone list marker stays with the text after it.
 */
export function buildSegments(
  items: readonly unknown[],
  styles: Record<string, TextStyle>,
  viewportTransform: readonly number[],
  page: PDFPageProxy,
  fonts: FontStyles,
): { groups: SegmentGroup[]; chars: number; sizeChars: Map<number, number>; quality: string[] } {
  const byAngle = new Map<number, { cos: number; sin: number; items: Placed[] }>();
  let chars = 0;
  let repaired = 0;
  let fromNames = 0;
  let undecodable = 0;
  let suspicious = 0;
  const sizeChars = new Map<number, number>();
  for (const item of items) {
    if (!isTextItem(item)) continue;
    if (!item.str || item.str.trim() === '') continue;
    const remap = fontRemap(page, item.fontName);
    let str = item.str;
    if (remap) {
      const r = applyRemap(str, remap);
      str = r.text;
      fromNames += r.changed;
    }
    const decoded = decodeRun(str);
    // pdf.js reversed right-to-left runs into logical order; marks may have come out before their letters.
    const text = item.dir === 'rtl' ? marksAfterBase(decoded.text) : decoded.text;
    if (decoded.repaired) repaired += text.length;
    undecodable += decoded.undecodable;
    suspicious += decoded.suspicious;
    const m = multiply(viewportTransform, item.transform);
    const size = Math.hypot(m[2], m[3]);
    // Degenerate matrices (NaN, zero scale) come from broken content streams; such text has no place.
    if (!(size > 0.5) || !m.every(Number.isFinite)) continue;
    const deg = Math.round((Math.atan2(m[1], m[0]) * 180) / Math.PI);
    const key = ((deg % 360) + 360) % 360;
    let group = byAngle.get(key);
    if (!group) {
      const rad = (key * Math.PI) / 180;
      group = { cos: Math.cos(rad), sin: Math.sin(rad), items: [] };
      byAngle.set(key, group);
    }
    const style = styles[item.fontName];
    const ascent = Math.min(1.1, Math.max(0.5, Number.isFinite(style?.ascent) ? style!.ascent : 0.8));
    const descent = Math.min(0.5, Math.max(0.1, Number.isFinite(style?.descent) ? Math.abs(style!.descent) : 0.2));
    const [fx, fy] = toFrame(m[4], m[5], group.cos, group.sin);
    const rawWidth = Number.isFinite(item.width) ? Math.abs(item.width) : 0;
    const width = rawWidth || (Number.isFinite(item.height) ? Math.abs(item.height) : 0) || size * 0.5 * text.length;
    const fs = fonts.get(page, item.fontName);
    group.items.push({
      text,
      x0: fx,
      x1: fx + width,
      y0: fy - ascent * size,
      y1: fy + descent * size,
      base: fy,
      size,
      bold: fs.bold,
      mono: fs.mono,
      math: fs.math,
      rtl: item.dir === 'rtl',
    });
    const n = text.replace(/\s/g, '').length;
    chars += n;
    const rounded = Math.round(size * 2) / 2;
    sizeChars.set(rounded, (sizeChars.get(rounded) ?? 0) + n);
  }

  const groups: SegmentGroup[] = [];
  let lineId = 0;
  for (const [key, g] of [...byAngle.entries()].sort((a, b) => b[1].items.length - a[1].items.length)) {
    const lines = groupLines(g.items);
    const gutters = findGutters(lines);
    const segments: Segment[] = [];
    for (const line of lines) {
      for (const seg of splitLine(line, gutters)) segments.push(toSegment(seg, lineId));
      lineId++;
    }
    groups.push({ angle: (key * Math.PI) / 180, cos: g.cos, sin: g.sin, segments });
  }
  const quality: string[] = [];
  if (fromNames > 0) quality.push(`${fromNames} characters decoded from the font's glyph names (pdf.js had left them as raw codes)`);
  if (repaired > 0) quality.push(`${repaired} characters re-decoded as cp1251 Cyrillic (font without a usable ToUnicode map read as Latin-1)`);
  if (suspicious > 0) quality.push(`${suspicious} characters look mis-decoded (UTF-8 bytes or a legacy code page read as Latin-1) and were left as they are`);
  // Symbol fonts put the odd bullet or glyph in private use; only a real share of such characters is news.
  if (undecodable >= Math.max(10, 0.02 * chars)) quality.push(`${undecodable} of ${chars} characters are replacement, private-use or control characters: text may be undecodable`);
  return { groups, chars, sizeChars, quality };
}

function groupLines(items: Placed[]): Placed[][] {
  const sorted = [...items].sort((a, b) => a.base - b.base || a.x0 - b.x0);
  const lines: Array<{ y0: number; y1: number; items: Placed[] }> = [];
  for (const it of sorted) {
    let target: (typeof lines)[number] | undefined;
    // Only recent lines can overlap an item further down the page.
    for (let k = lines.length - 1; k >= Math.max(0, lines.length - 6); k--) {
      const l = lines[k]!;
      const overlap = Math.min(l.y1, it.y1) - Math.max(l.y0, it.y0);
      if (overlap >= 0.5 * Math.min(l.y1 - l.y0, it.y1 - it.y0)) {
        target = l;
        break;
      }
    }
    if (target) {
      target.items.push(it);
      target.y0 = Math.min(target.y0, it.y0);
      target.y1 = Math.max(target.y1, it.y1);
    } else {
      lines.push({ y0: it.y0, y1: it.y1, items: [it] });
    }
  }
  return lines.map((l) => l.items.sort((a, b) => a.x0 - b.x0));
}

function splitLine(items: Placed[], gutters: readonly Gutter[]): Placed[][] {
  const out: Placed[][] = [];
  let cur: Placed[] = [];
  let right = -Infinity;
  for (const it of items) {
    const em = Math.max(it.size, cur.length ? cur[cur.length - 1]!.size : 0);
    const gap = it.x0 - right;
    if (cur.length > 0 && (gap > 0.9 * em || (gap > 0 && crossesGutter(right, it.x0, gutters)))) {
      const soFar = cur.map((c) => c.text).join('').trim();
      // A bullet or number set apart by a tab still belongs to its item.
      if (!(LIST_MARKER.test(soFar) && gap < 5 * em)) {
        out.push(cur);
        cur = [];
      }
    }
    cur.push(it);
    right = Math.max(right, it.x1);
  }
  if (cur.length) out.push(cur);
  return out;
}

const MARKS_ONLY = /^\p{M}+$/u;

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

function toSegment(items: Placed[], line: number): Segment {
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
      if (gap > 0.15 * Math.min(it.size, prev.size) && !/\s$/.test(text) && !/^\s/.test(it.text)) text += ' ';
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
