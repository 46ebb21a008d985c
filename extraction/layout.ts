import { area, boxOfPoints, fromFrame, intersects, union, type Box } from './geometry.ts';
import type { SegmentGroup } from './segments.ts';
import type { LaidBlock, Segment } from './types.ts';

/** A block being laid out, in its group's frame. */
interface Draft {
  kind: 'text' | 'table' | 'figure';
  box: Box;
  lines: Segment[][];
  table?: { rows: number; cols: number; cells: Array<{ row: number; col: number; text: string; box: Box }> };
  imageCount?: number;
}

export const LIST_START = /^([•◦▪▫‣●○■□➢►▶✓✔–—*·-]\s|\(?\d{1,3}[.)]\s|\(?[a-zA-Z][.)]\s|\(?[ivxIVX]{1,5}[.)]\s)/;

function segBox(s: Segment): Box {
  return [s.x0, s.y0, s.x1, s.y1];
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)]!;
}

/** Rows of at least three lines whose short segments line up in two or more columns. */
function detectTables(segments: Segment[]): { tables: Draft[]; rest: Segment[] } {
  const byLine = new Map<number, Segment[]>();
  for (const s of segments) {
    const row = byLine.get(s.line);
    if (row) row.push(s);
    else byLine.set(s.line, [s]);
  }
  const rows = [...byLine.values()]
    .map((r) => r.sort((a, b) => a.x0 - b.x0))
    .sort((a, b) => Math.min(...a.map((s) => s.y0)) - Math.min(...b.map((s) => s.y0)));
  const used = new Set<Segment>();
  const tables: Draft[] = [];
  let i = 0;
  while (i < rows.length) {
    if (rows[i]!.length < 2) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < rows.length && rows[j + 1]!.length >= 2) {
      const prev = rows[j]!;
      const next = rows[j + 1]!;
      const size = median(prev.map((s) => s.size));
      const gap = Math.min(...next.map((s) => s.y0)) - Math.max(...prev.map((s) => s.y1));
      if (gap > 2.5 * size) break;
      j++;
    }
    const run = rows.slice(i, j + 1);
    const table = run.length >= 3 ? tableFromRows(run) : undefined;
    if (table) {
      tables.push(table);
      for (const r of run) for (const s of r) used.add(s);
    }
    i = j + 1;
  }
  return { tables, rest: segments.filter((s) => !used.has(s)) };
}

function tableFromRows(run: Segment[][]): Draft | undefined {
  const all = run.flat();
  // Columns of running text are long; table cells are short.
  if (median(all.map((s) => s.text.length)) > 30) return undefined;
  if (all.filter((s) => s.text.length > 60).length > all.length * 0.2) return undefined;
  const counts = new Map<number, number>();
  for (const r of run) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
  const modal = [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]![0];
  const intervals: Array<[number, number]> = [];
  for (const s of run.filter((r) => r.length === modal).flat().sort((a, b) => a.x0 - b.x0)) {
    const last = intervals[intervals.length - 1];
    if (last && s.x0 <= last[1]) last[1] = Math.max(last[1], s.x1);
    else intervals.push([s.x0, s.x1]);
  }
  if (intervals.length < 2) return undefined;
  const cells = new Map<string, { row: number; col: number; text: string; box: Box }>();
  run.forEach((r, row) => {
    for (const s of r) {
      let col = intervals.findIndex(([a, b]) => Math.min(b, s.x1) - Math.max(a, s.x0) > 0);
      if (col < 0) {
        const cx = (s.x0 + s.x1) / 2;
        col = intervals.reduce((best, [a, b], k) => (Math.abs((a + b) / 2 - cx) < Math.abs((intervals[best]![0] + intervals[best]![1]) / 2 - cx) ? k : best), 0);
      }
      const key = `${row}:${col}`;
      const hit = cells.get(key);
      if (hit) {
        hit.text = `${hit.text} ${s.text}`;
        hit.box = union(hit.box, segBox(s));
      } else {
        cells.set(key, { row, col, text: s.text, box: segBox(s) });
      }
    }
  });
  const box = all.map(segBox).reduce(union);
  return { kind: 'table', box, lines: run, table: { rows: run.length, cols: intervals.length, cells: [...cells.values()] } };
}

/** Consecutive lines of one style that sit under each other with line-spacing gaps form a block. */
function groupParagraphs(segments: Segment[]): Draft[] {
  const sorted = [...segments].sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  interface Open {
    draft: Draft;
    last: Segment;
    size: number;
    bold: boolean;
    mono: boolean;
  }
  const open: Open[] = [];
  const drafts: Draft[] = [];
  for (const s of sorted) {
    let best: Open | undefined;
    let bestGap = Infinity;
    const startsItem = LIST_START.test(s.text);
    for (let k = open.length - 1; k >= 0; k--) {
      const o = open[k]!;
      if (o.last.y1 < s.y0 - 3 * s.size) continue;
      if (o.last.line === s.line) continue;
      const gap = s.y0 - o.last.y1;
      // Lines are told apart by baselines: tall glyph boxes of tightly set lines overlap a little.
      if (s.base - o.last.base < 0.7 * Math.min(s.size, o.size) || gap > 0.75 * Math.max(s.size, o.size)) continue;
      if (Math.abs(s.size - o.size) > 0.12 * Math.max(s.size, o.size)) continue;
      if (s.bold !== o.bold || s.mono !== o.mono) continue;
      const lineX0 = Math.min(...o.draft.lines[o.draft.lines.length - 1]!.map((x) => x.x0));
      const lineX1 = Math.max(...o.draft.lines[o.draft.lines.length - 1]!.map((x) => x.x1));
      if (Math.min(lineX1, s.x1) - Math.max(lineX0, s.x0) <= 0) continue;
      if (startsItem) continue;
      if (gap < bestGap) {
        best = o;
        bestGap = gap;
      }
    }
    if (best) {
      best.draft.lines.push([s]);
      best.draft.box = union(best.draft.box, segBox(s));
      best.last = s;
    } else {
      const draft: Draft = { kind: 'text', box: segBox(s), lines: [[s]] };
      drafts.push(draft);
      open.push({ draft, last: s, size: s.size, bold: s.bold, mono: s.mono });
    }
  }
  return drafts;
}

function splitByGaps(items: Draft[], axis: 0 | 1, minGap: number): Draft[][] {
  const lo = axis;
  const hi = axis + 2;
  const sorted = [...items].sort((a, b) => a.box[lo]! - b.box[lo]!);
  const groups: Draft[][] = [];
  let end = -Infinity;
  for (const d of sorted) {
    if (groups.length === 0 || d.box[lo]! > end + minGap) groups.push([d]);
    else groups[groups.length - 1]!.push(d);
    end = groups[groups.length - 1]!.length === 1 ? d.box[hi]! : Math.max(end, d.box[hi]!);
  }
  return groups;
}

/**
 * Reading order by recursive XY-cut, columns first: a vertical band of white space that no block
 * crosses separates columns; otherwise horizontal white space separates rows. A full-width title
 * or figure blocks the column cut, so it is read in its place between rows.
 */
function xyCut(items: Draft[], minGapX: number, depth = 0): Draft[] {
  if (items.length <= 1 || depth > 50) return items;
  const cols = splitByGaps(items, 0, minGapX);
  if (cols.length > 1) return cols.flatMap((c) => xyCut(c, minGapX, depth + 1));
  const rows = splitByGaps(items, 1, 0);
  if (rows.length > 1) return rows.flatMap((r) => xyCut(r, minGapX, depth + 1));
  return [...items].sort((a, b) => a.box[1] - b.box[1] || a.box[0] - b.box[0]);
}

/** Hyphen-minus or U+2010 hyphen after a letter at the end of a line. */
const LINE_END_HYPHEN = /(\p{L}[\p{L}\p{M}'’-]*)[-\u2010]$/u;
/** Coordinating words after a suspended hyphen ("Ein- und Ausgabe", "pre- and post-war"): the hyphen and the space stay. */
const SUSPENSION = /^(und|oder|bzw|sowie|bis|and|or|nor|to|et|ou|i|и|или|та|або)$/iu;

/**
 * Join the lines of a block. Lines are joined with a space, unless the first ends with a
 * line-break hyphen (a hyphen right after a letter, the next line starting with a letter):
 * - a soft hyphen (U+00AD) is dropped;
 * - before a capital, after a capital or when the word already holds a hyphen ("state-of-the-",
 *   "DNA-"), the word was broken at its own hyphen: the hyphen stays, no space ("E-Mail-Adresse");
 * - before a coordinating word ("Ein- und Ausgabe") the hyphen is a suspension: hyphen and space stay;
 * - otherwise the hyphen is dropped ("possibili- ties" -> "possibilities"), and where it was is
 *   returned: whether the word was a compound ("random- effects") is decided later from the whole
 *   document's words (hyphenation.ts).
 */
export function joinLines(lines: string[]): { text: string; hyphenDrops: number[] } {
  let out = '';
  const hyphenDrops: number[] = [];
  for (const line of lines) {
    if (!out) {
      out = line;
      continue;
    }
    const next = /^[\p{L}\p{M}'’-]+/u.exec(line)?.[0];
    if (out.endsWith('\u00ad') && next) {
      out = out.slice(0, -1) + line;
      continue;
    }
    const m = next ? LINE_END_HYPHEN.exec(out) : null;
    if (!m || !next) {
      out += ` ${line}`;
      continue;
    }
    const head = m[1]!;
    if (SUSPENSION.test(next)) out += ` ${line}`;
    else if (/^\p{Lu}/u.test(next) || /[-\u2010]/.test(head) || !/\p{Ll}$/u.test(head)) out += line;
    else {
      out = out.slice(0, -1);
      hyphenDrops.push(out.length);
      out += line;
    }
  }
  return { text: out, hyphenDrops };
}

function weighted(segments: Segment[], f: (s: Segment) => number): number {
  let total = 0;
  let acc = 0;
  for (const s of segments) {
    const n = Math.max(1, s.text.length);
    total += n;
    acc += f(s) * n;
  }
  return total ? acc / total : 0;
}

/** Merge overlapping or touching image boxes and drop specks (rules, bullets, logos under ~20pt). */
export function figureBoxes(images: Box[], pageArea: number): Box[] {
  let boxes = images.filter((b) => b[2] - b[0] >= 20 && b[3] - b[1] >= 20 && area(b) >= pageArea * 0.004);
  let merged = true;
  while (merged) {
    merged = false;
    const out: Box[] = [];
    for (const b of boxes) {
      const k = out.findIndex((o) => intersects(o, b, 2));
      if (k >= 0) {
        out[k] = union(out[k]!, b);
        merged = true;
      } else out.push(b);
    }
    boxes = out;
  }
  return boxes;
}

/** Lay out one page: tables, paragraphs and figures per writing direction, in reading order. */
export function layoutPage(page: number, groups: SegmentGroup[], figures: Array<{ box: Box; count: number }>): LaidBlock[] {
  const out: LaidBlock[] = [];
  let figuresPlaced = false;
  const ordered = [...groups];
  if (!ordered.some((g) => Math.abs(g.angle) < 1e-9) && figures.length > 0) ordered.unshift({ angle: 0, cos: 1, sin: 0, segments: [] });
  for (const g of ordered) {
    const { tables, rest } = detectTables(g.segments);
    const drafts = [...tables, ...groupParagraphs(rest)];
    if (!figuresPlaced && Math.abs(g.angle) < 1e-9) {
      for (const f of figures) drafts.push({ kind: 'figure', box: f.box, lines: [], imageCount: f.count });
      figuresPlaced = true;
    }
    const sizes = g.segments.map((s) => s.size);
    const minGapX = Math.max(3, 0.5 * (median(sizes) || 10));
    const toDisplay = (b: Box): [number, number, number, number] => {
      const pts = [fromFrame(b[0], b[1], g.cos, g.sin), fromFrame(b[2], b[1], g.cos, g.sin), fromFrame(b[0], b[3], g.cos, g.sin), fromFrame(b[2], b[3], g.cos, g.sin)];
      return boxOfPoints(pts);
    };
    for (const d of xyCut(drafts, minGapX)) {
      const segs = d.lines.flat();
      const lines = d.lines.map((l) => l.map((s) => s.text).join(d.kind === 'table' ? '\t' : ' '));
      const joined = d.kind === 'table' ? { text: lines.join('\n'), hyphenDrops: [] } : joinLines(lines);
      const block: LaidBlock = {
        kind: d.kind,
        page,
        bbox: toDisplay(d.box),
        text: joined.text,
        lines,
        size: segs.length ? weighted(segs, (s) => s.size) : 0,
        bold: segs.length > 0 && weighted(segs, (s) => (s.bold ? 1 : 0)) >= 0.8,
        mono: segs.length > 0 && weighted(segs, (s) => (s.mono ? 1 : 0)) >= 0.8,
        math: segs.length ? weighted(segs, (s) => s.math) : 0,
      };
      if (d.table) {
        block.table = { rows: d.table.rows, cols: d.table.cols, cells: d.table.cells.map((c) => ({ row: c.row, col: c.col, text: c.text, bbox: toDisplay(c.box) })) };
      }
      if (d.imageCount !== undefined) block.imageCount = d.imageCount;
      if (joined.hyphenDrops.length > 0) block.hyphenDrops = joined.hyphenDrops;
      out.push(block);
    }
  }
  return out;
}
