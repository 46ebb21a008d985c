import type { BBox, Block, BlockType } from '../protocol/pdf/index.ts';
import { settleHyphens } from './hyphenation.ts';
import { apply, round2, type Matrix } from './geometry.ts';
import { LIST_START } from './layout.ts';
import { detectHeadings, type HeadingInfo } from './headings.ts';
import type { ResolvedOutlineEntry } from './outline.ts';
import { tocPages } from './toc.ts';
import type { LaidBlock, PageLayout } from './types.ts';

type Role =
  | { type: 'Text'; toc?: boolean }
  | { type: 'SectionHeader'; level: number; source: 'outline' | 'font'; number?: string; label?: string; title?: string }
  | { type: 'ListItem'; marker: string; ordered: boolean }
  | { type: 'Table' }
  | { type: 'Figure' }
  | { type: 'Caption' }
  | { type: 'Equation' }
  | { type: 'Code' }
  | { type: 'Footnote'; label: string }
  | { type: 'PageHeader' }
  | { type: 'PageFooter' };

interface Placed {
  laid: LaidBlock;
  role: Role;
}

const CAPTION = /^(figure|fig\.|table|tab\.|abbildung|abb\.|tabelle|рис\.?|рисунок|таблица|exhibit|chart|listing)\s*[\dIVX]+[.:\s-]?/i;
const PAGE_NUMBER = /^(page\s*|seite\s*|стр\.?\s*)?[-–—\s]*(\d{1,4}|[ivxlc]{1,7})[-–—\s]*((of|von|из|\/)\s*\d{1,4})?$/i;

export function normalizeTitle(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

function letters(s: string): number {
  return (s.match(/\p{L}/gu) ?? []).length;
}


/**
 * Running headers and footers: text in the top or bottom band that repeats on many pages, either
 * as the same text (digits aside) or in the same shape: one line at the same height, size and
 * weight. The shape catches running heads that change per chapter ("第一章 ...", "CHAPTER 3.
 * ...") or carry the current section, which never repeat as text on a quarter of the pages.
 */
function runningKeys(pages: PageLayout[]): Set<string> {
  const counts = new Map<string, Set<number>>();
  const count = (key: string, page: number) => {
    let set = counts.get(key);
    if (!set) counts.set(key, (set = new Set()));
    set.add(page);
  };
  for (const p of pages) {
    for (const b of p.blocks) {
      const band = bandOf(b, p);
      if (!band || b.kind !== 'text' || b.text.length > 200) continue;
      count(textKey(b, band), p.index);
      if (b.lines.length === 1) count(shapeKey(b, band), p.index);
    }
  }
  const need = pages.length >= 3 ? Math.max(2, Math.ceil(pages.length * 0.25)) : Infinity;
  return new Set([...counts].filter(([, s]) => s.size >= need).map(([k]) => k));
}

function textKey(b: LaidBlock, band: string): string {
  return `${band}:${b.text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim()}`;
}

/** Same band, same height within 3 pt, same size within 0.5 pt, same weight. */
function shapeKey(b: LaidBlock, band: string): string {
  return `${band}@${Math.round(b.bbox[1] / 3)}:${Math.round(b.size * 2)}:${b.bold ? 'b' : 'r'}`;
}

function bandOf(b: LaidBlock, p: PageLayout): 'top' | 'bottom' | undefined {
  if (b.bbox[3] <= p.height * 0.12) return 'top';
  if (b.bbox[1] >= p.height * 0.88) return 'bottom';
  return undefined;
}

function isRunning(b: LaidBlock, p: PageLayout, running: Set<string>): 'top' | 'bottom' | undefined {
  const band = bandOf(b, p);
  if (!band || b.kind !== 'text') return undefined;
  if (PAGE_NUMBER.test(b.text.trim())) return band;
  if (running.has(textKey(b, band))) return band;
  return b.lines.length === 1 && running.has(shapeKey(b, band)) ? band : undefined;
}

/** Match outline entries to blocks on their page; entries without a matching block become headings of their own. */
function applyOutline(pages: PageLayout[], outline: ResolvedOutlineEntry[], transforms: Matrix[], body: number, roles: Map<LaidBlock, Role>): void {
  const byIndex = new Map(pages.map((p) => [p.index, p]));
  const taken = new Set<LaidBlock>();
  for (const entry of outline) {
    if (entry.page === null) continue;
    const page = byIndex.get(entry.page);
    if (!page) continue;
    const nt = normalizeTitle(entry.title);
    const vt = transforms[entry.page];
    const y = vt && entry.top !== null ? apply(vt, entry.left ?? 0, entry.top)[1] : null;
    let best: LaidBlock | undefined;
    let bestScore = Infinity;
    if (nt.length > 0) {
      for (const b of page.blocks) {
        if (b.kind !== 'text' || taken.has(b) || b.text.length > 300) continue;
        const nb = normalizeTitle(b.text);
        if (!nb) continue;
        const ok =
          nb === nt ||
          ((nb.endsWith(nt) || nb.startsWith(nt)) && nb.length - nt.length <= 15) ||
          (nt.includes(nb) && nb.length >= 0.6 * nt.length);
        if (!ok) continue;
        const score = (y === null ? 0 : Math.abs(b.bbox[1] - y)) + Math.abs(nb.length - nt.length) * 2;
        if (score < bestScore) {
          best = b;
          bestScore = score;
        }
      }
    }
    if (best) {
      taken.add(best);
      roles.set(best, { type: 'SectionHeader', level: Math.min(9, entry.level), source: 'outline' });
      continue;
    }
    if (!entry.title) continue;
    const top = Math.max(0, Math.min(page.height, y ?? 0));
    const synthetic: LaidBlock = {
      kind: 'text',
      page: page.index,
      bbox: [0, top, page.width, Math.min(page.height, top + body * 1.2)],
      text: entry.title,
      lines: [entry.title],
      size: body,
      bold: false,
      mono: false,
      math: 0,
    };
    const at = page.blocks.findIndex((b) => b.bbox[1] >= top - 1);
    page.blocks.splice(at < 0 ? page.blocks.length : at, 0, synthetic);
    taken.add(synthetic);
    roles.set(synthetic, { type: 'SectionHeader', level: Math.min(9, entry.level), source: 'outline' });
  }
}

function roleOf(b: LaidBlock, p: PageLayout, body: number, running: Set<string>, levels: Map<LaidBlock, HeadingInfo>): Role {
  if (b.kind === 'figure') return { type: 'Figure' };
  if (b.kind === 'table') return { type: 'Table' };
  // Headings first: a slide's navigation bar repeats like a running header yet names the section.
  const heading = levels.get(b);
  if (heading !== undefined) return { type: 'SectionHeader', source: 'font', ...heading };
  const band = isRunning(b, p, running);
  if (band === 'top') return { type: 'PageHeader' };
  if (band === 'bottom') return { type: 'PageFooter' };
  const t = b.text.trim();
  if (CAPTION.test(t) && t.length < 600) return { type: 'Caption' };
  const note = /^(\d{1,3}|[*†‡§¶])\s*(?=\S)/.exec(t);
  if (note && b.bbox[3] >= p.height * 0.8 && b.size > 0 && b.size <= body * 0.88) return { type: 'Footnote', label: note[1]! };
  if (b.mono && t.length >= 3) return { type: 'Code' };
  if (b.math >= 0.5 && t.length < 400) return { type: 'Equation' };
  const li = LIST_START.exec(`${t} `);
  // "(1)" alone is an equation number, not a list.
  if (li && t.length > li[0].trim().length + 1) {
    const marker = li[1]!.trim();
    return { type: 'ListItem', marker, ordered: /[\dA-Za-z]/.test(marker) };
  }
  return { type: 'Text' };
}

/** Text on a table-of-contents page is marked as such, never a heading or list item (running heads aside). */
function tocRole(b: LaidBlock, p: PageLayout, toc: Set<number>, running: Set<string>): Role | undefined {
  if (!toc.has(p.index) || b.kind !== 'text' || isRunning(b, p, running)) return undefined;
  return { type: 'Text', toc: true };
}

function bbox(b: [number, number, number, number]): BBox {
  return round2(b);
}

/**
 * Turn laid-out pages into protocol blocks: roles (headings from the outline when given, else from
 * font size and weight), list groups, caption targets, and marker-style ids numbered per page and type.
 */
export function classify(
  pages: PageLayout[],
  opts: { body: number; outline: ResolvedOutlineEntry[] | null; transforms: Matrix[]; title?: string },
): Block[] {
  settleHyphens(pages);
  const running = runningKeys(pages);
  const roles = new Map<LaidBlock, Role>();
  const toc = tocPages(pages);
  const levels = opts.outline
    ? new Map<LaidBlock, HeadingInfo>()
    : detectHeadings(pages, { body: opts.body, toc, ...(opts.title ? { title: opts.title } : {}), isRunning: (b, p) => isRunning(b, p, running) !== undefined });
  if (opts.outline) applyOutline(pages, opts.outline, opts.transforms, opts.body, roles);

  const out: Block[] = [];
  for (const p of pages) {
    const counters = new Map<BlockType, number>();
    const nextId = (type: BlockType) => {
      const n = counters.get(type) ?? 0;
      counters.set(type, n + 1);
      return `/page/${p.index}/${type}/${n}`;
    };
    const placed: Placed[] = p.blocks
      .filter((b) => b.kind !== 'text' || b.text.trim() !== '')
      .map((laid) => ({ laid, role: roles.get(laid) ?? tocRole(laid, p, toc, running) ?? roleOf(laid, p, opts.body, running, levels) }));
    const pageBlocks: Block[] = [];
    let group: Extract<Block, { blockType: 'ListGroup' }> | undefined;
    for (const { laid, role } of placed) {
      if (role.type !== 'ListItem') group = undefined;
      if (role.type === 'ListItem' && !group) {
        group = { blockType: 'ListGroup', id: nextId('ListGroup'), page: p.index, bbox: bbox(laid.bbox), text: '', childIds: [] };
        pageBlocks.push(group);
      }
      const base = { id: nextId(role.type), page: p.index, bbox: bbox(laid.bbox), text: laid.text.trim() };
      let block: Block;
      switch (role.type) {
        case 'SectionHeader':
          block = {
            blockType: 'SectionHeader',
            ...base,
            text: base.text.replace(/\s+/g, ' '),
            level: role.level,
            source: role.source,
            ...(role.number !== undefined ? { number: role.number } : {}),
            ...(role.label !== undefined ? { label: role.label } : {}),
            ...(role.title !== undefined ? { title: role.title } : {}),
          };
          break;
        case 'ListItem': {
          block = { blockType: 'ListItem', ...base, marker: role.marker, ordered: role.ordered, groupId: group!.id };
          group!.childIds.push(block.id);
          group!.bbox = bbox([Math.min(group!.bbox[0], laid.bbox[0]), Math.min(group!.bbox[1], laid.bbox[1]), Math.max(group!.bbox[2], laid.bbox[2]), Math.max(group!.bbox[3], laid.bbox[3])]);
          group!.text = group!.text ? `${group!.text}\n${block.text}` : block.text;
          break;
        }
        case 'Table':
          block = {
            blockType: 'Table',
            ...base,
            rows: laid.table?.rows ?? 0,
            cols: laid.table?.cols ?? 0,
            cells: (laid.table?.cells ?? []).map((c) => ({ row: c.row, col: c.col, text: c.text, bbox: bbox(c.bbox) })),
          };
          break;
        case 'Figure':
          block = { blockType: 'Figure', ...base, text: '', imageCount: laid.imageCount ?? 0 };
          break;
        case 'Footnote':
          block = { blockType: 'Footnote', ...base, label: role.label };
          break;
        case 'Text':
          block = { blockType: 'Text', ...base, ...(role.toc ? { toc: true } : {}) };
          break;
        default:
          block = { blockType: role.type, ...base } as Block;
      }
      pageBlocks.push(block);
    }
    linkCaptions(pageBlocks);
    out.push(...pageBlocks);
  }
  return out;
}

/** A caption belongs to the nearest figure or table above or below it on its page. */
function linkCaptions(blocks: Block[]): void {
  const targets = blocks.filter((b) => b.blockType === 'Figure' || b.blockType === 'Table');
  for (const c of blocks) {
    if (c.blockType !== 'Caption' || targets.length === 0) continue;
    const dist = (t: Block) => Math.min(Math.abs(t.bbox[1] - c.bbox[3]), Math.abs(c.bbox[1] - t.bbox[3]));
    const t = targets.reduce((a, b) => (dist(b) < dist(a) ? b : a));
    if (dist(t) > 200) continue;
    c.targetId = t.id;
    if (t.blockType === 'Figure' && t.captionId === undefined) t.captionId = c.id;
  }
}
