import type { PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { TextItem, TextStyle } from 'pdfjs-dist/types/src/display/api';
import { decodeRun } from './decode.ts';
import { applyRemap, fontRemap } from './font-codes.ts';
import type { FontStyles } from './fonts.ts';
import { multiply, toFrame } from './geometry.ts';
import { marksAfterBase } from './rtl-marks.ts';
import { crossesGutter, findGutters, type Gutter } from './gutters.ts';
import { MARKS_ONLY, toSegment } from './line-text.ts';
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

/** Share of the narrower run's width two runs may share horizontally and still sit on one line (kerning, italic overhang). */
const MAX_SHARED_X = 0.5;

/** Whether `it` would be painted over a run already in the line: then it belongs to another line above or below. */
function overlapsInLine(line: readonly Placed[], it: Placed): boolean {
  // A single glyph over another is an overstrike (TeX's "7" + "→" for ↦, "̸" over "=") or one of
  // stacked sub- and superscripts; marks sit over their letter: all belong to the line.
  if (isGlyph(it)) return false;
  for (const o of line) {
    const shared = Math.min(o.x1, it.x1) - Math.max(o.x0, it.x0);
    if (shared <= 0 || isGlyph(o)) continue;
    // Fake bold repeats a run a hair apart.
    if (o.text === it.text && Math.abs(o.x0 - it.x0) < 0.2 * it.size) continue;
    if (shared > MAX_SHARED_X * Math.min(o.x1 - o.x0, it.x1 - it.x0)) return true;
  }
  return false;
}

function isGlyph(it: Placed): boolean {
  return MARKS_ONLY.test(it.text) || it.text.trim().length <= 1;
}

/**
 * Items join a line when they overlap it vertically by half the smaller height. The line's
 * extent grows with its items, so a tall item (a heading in the next column, a large initial)
 * could bridge two lines of text stacked under it; an item that would be painted over text
 * already in the line is therefore never put in it.
 */
function groupLines(items: Placed[]): Placed[][] {
  const sorted = [...items].sort((a, b) => a.base - b.base || a.x0 - b.x0);
  const lines: Array<{ y0: number; y1: number; items: Placed[] }> = [];
  for (const it of sorted) {
    let target: (typeof lines)[number] | undefined;
    // Only recent lines can overlap an item further down the page.
    for (let k = lines.length - 1; k >= Math.max(0, lines.length - 6); k--) {
      const l = lines[k]!;
      const overlap = Math.min(l.y1, it.y1) - Math.max(l.y0, it.y0);
      if (overlap >= 0.5 * Math.min(l.y1 - l.y0, it.y1 - it.y0) && !overlapsInLine(l.items, it)) {
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

/** Baselines further apart than this share of an em are not one line of type (sizes within 15%). */
const BASELINE_JUMP_EM = 0.15;
/** Gap (em) from which a baseline jump splits a line: wider than word spaces and math spacing (0.25-0.33 em), narrower than a gutter. */
const JUMP_GAP_EM = 0.5;

/**
 * Split a line where a gap is wider than about an em, crosses a column gutter, or separates
 * runs of the same size whose baselines differ: columns set side by side with their own
 * leading have baselines a little apart, and their lines overlap enough to be grouped as one.
 */
function splitLine(items: Placed[], gutters: readonly Gutter[]): Placed[][] {
  const out: Placed[][] = [];
  let cur: Placed[] = [];
  let right = -Infinity;
  for (const it of items) {
    const prev = cur.length ? cur[cur.length - 1]! : undefined;
    const em = Math.max(it.size, prev ? prev.size : 0);
    const gap = it.x0 - right;
    const jump =
      prev !== undefined &&
      gap > JUMP_GAP_EM * em &&
      Math.abs(it.size - prev.size) <= 0.15 * em &&
      Math.abs(it.base - prev.base) > BASELINE_JUMP_EM * em;
    if (cur.length > 0 && (gap > 0.9 * em || jump || (gap > 0 && crossesGutter(right, it.x0, gutters)))) {
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
