import { BLOCK_TYPES, type BBox, type BlockType, type TableCell } from '../protocol/pdf/index.ts';
import { headingLevelOf, htmlToText, parseHtmlTable } from './html.ts';
import { isRecord, num, str, type Json, type Problem } from './loose-json.ts';

/** Every spelling of a block type seen in marker output and in our pre-1.0 drafts. */
const TYPE_ALIASES: Record<string, BlockType | 'group' | 'skip'> = {
  text: 'Text',
  paragraph: 'Text',
  para: 'Text',
  textinlinemath: 'Text',
  handwriting: 'Text',
  form: 'Text',
  complexregion: 'Text',
  sectionheader: 'SectionHeader',
  heading: 'SectionHeader',
  header: 'SectionHeader',
  title: 'SectionHeader',
  listgroup: 'ListGroup',
  list: 'ListGroup',
  listitem: 'ListItem',
  table: 'Table',
  tableofcontents: 'Table',
  figure: 'Figure',
  picture: 'Figure',
  image: 'Figure',
  caption: 'Caption',
  equation: 'Equation',
  formula: 'Equation',
  code: 'Code',
  footnote: 'Footnote',
  pageheader: 'PageHeader',
  runningheader: 'PageHeader',
  pagefooter: 'PageFooter',
  runningfooter: 'PageFooter',
  footer: 'PageFooter',
  document: 'group',
  page: 'group',
  figuregroup: 'group',
  picturegroup: 'group',
  tablegroup: 'group',
  line: 'skip',
  span: 'skip',
  char: 'skip',
  tablecell: 'skip',
  reference: 'skip',
};

export function normType(t: unknown): BlockType | 'group' | 'skip' | undefined {
  if (typeof t !== 'string') return undefined;
  if ((BLOCK_TYPES as readonly string[]).includes(t)) return t as BlockType;
  return TYPE_ALIASES[t.replace(/[-_\s]/g, '').toLowerCase()];
}

function toBBox(node: Json): BBox | undefined {
  const b = node['bbox'] ?? node['box'];
  if (Array.isArray(b) && b.length === 4 && b.every((x) => typeof x === 'number')) {
    const [x0, y0, x1, y1] = b as number[];
    return [Math.min(x0!, x1!), Math.min(y0!, y1!), Math.max(x0!, x1!), Math.max(y0!, y1!)];
  }
  if (isRecord(b)) {
    const x0 = num(b['x0']) ?? num(b['x']) ?? num(b['left']);
    const y0 = num(b['y0']) ?? num(b['y']) ?? num(b['top']);
    const x1 = num(b['x1']) ?? num(b['right']) ?? (x0 !== undefined && num(b['width']) !== undefined ? x0 + num(b['width'])! : undefined);
    const y1 = num(b['y1']) ?? num(b['bottom']) ?? (y0 !== undefined && num(b['height']) !== undefined ? y0 + num(b['height'])! : undefined);
    if (x0 !== undefined && y0 !== undefined && x1 !== undefined && y1 !== undefined) return [x0, y0, x1, y1];
  }
  const poly = node['polygon'];
  if (Array.isArray(poly) && poly.length > 0 && poly.every((p) => Array.isArray(p) && p.length >= 2)) {
    const xs = (poly as number[][]).map((p) => p[0]!);
    const ys = (poly as number[][]).map((p) => p[1]!);
    if ([...xs, ...ys].every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    }
  }
  return undefined;
}

/** A block as read, before ids are settled and references resolved. */
export interface Draft {
  type: BlockType;
  page: number;
  bbox: BBox;
  text: string;
  html?: string;
  origId?: string;
  level?: number;
  extra: Json;
  children: string[]; // original ids of ListItems in a ListGroup
  refs: { targetId?: string; captionId?: string; groupId?: string };
}

/** Read one block-like node (marker or loose own format) into a draft; null when it is a container. */
export function readBlock(node: Json, path: string, inheritedPage: number | undefined, problems: Problem[], hierarchy?: Json): Draft | 'group' | 'skip' | null {
  const rawType = node['blockType'] ?? node['block_type'] ?? node['type'];
  const type = normType(rawType);
  if (type === undefined) {
    problems.push({ path, message: `unknown block type ${JSON.stringify(rawType)}; known: ${[...BLOCK_TYPES, ...Object.keys(TYPE_ALIASES)].join(', ')}` });
    return null;
  }
  if (type === 'group' || type === 'skip') return type;
  const id = str(node['id']);
  let page = num(node['page']) ?? num(node['pageIndex']);
  if (page === undefined && num(node['pageNumber']) !== undefined) page = num(node['pageNumber'])! - 1;
  if (page === undefined && id) {
    const m = /^\/page\/(\d+)\//.exec(id);
    if (m) page = Number(m[1]);
  }
  page ??= inheritedPage;
  if (page === undefined || page < 0 || !Number.isInteger(page)) {
    problems.push({ path, message: 'no page: give page (0-based), pageNumber (1-based) or a /page/N/ id' });
    return null;
  }
  const html = str(node['html']);
  const text = str(node['text']) ?? str(node['content']) ?? (html !== undefined ? htmlToText(html) : undefined);
  if (text === undefined && type !== 'Figure' && type !== 'ListGroup' && type !== 'Table') {
    problems.push({ path, message: `${type} block has neither text, content nor html` });
    return null;
  }
  const bbox = toBBox(node) ?? [0, 0, 0, 0];
  const draft: Draft = { type, page, bbox, text: text ?? '', extra: {}, children: [], refs: {} };
  if (html !== undefined) draft.html = html;
  if (id !== undefined) draft.origId = id;
  if (type === 'SectionHeader') {
    let level = num(node['level']) ?? (html ? headingLevelOf(html) : undefined);
    if (level === undefined && hierarchy && id) {
      const hit = Object.entries(hierarchy).find(([, v]) => v === id);
      if (hit) level = Number(hit[0]);
    }
    draft.level = Math.min(9, Math.max(1, Math.round(level ?? 1)));
  }
  if (type === 'Table') {
    const cells = node['cells'];
    const rowsArr = node['rows'];
    if (Array.isArray(cells)) {
      const parsed: TableCell[] = cells.filter(isRecord).map((c) => ({ row: num(c['row']) ?? 0, col: num(c['col']) ?? 0, text: str(c['text']) ?? '' }));
      draft.extra = { rows: num(node['rows']) ?? Math.max(0, ...parsed.map((c) => c.row + 1)), cols: num(node['cols']) ?? Math.max(0, ...parsed.map((c) => c.col + 1)), cells: parsed };
    } else if (Array.isArray(rowsArr)) {
      // Pre-1.0 drafts sent tables as string[][].
      const parsed: TableCell[] = [];
      rowsArr.forEach((r, ri) => Array.isArray(r) && r.forEach((t, ci) => parsed.push({ row: ri, col: ci, text: String(t ?? '') })));
      draft.extra = { rows: rowsArr.length, cols: Math.max(0, ...rowsArr.map((r) => (Array.isArray(r) ? r.length : 0))), cells: parsed };
    } else if (html && /<tr\b/i.test(html)) {
      draft.extra = parseHtmlTable(html);
    } else {
      // A table we cannot split into cells is still text worth keeping.
      draft.extra = { rows: 0, cols: 0, cells: [] };
    }
    if (!draft.text) draft.text = ((draft.extra['cells'] as TableCell[]) ?? []).map((c) => c.text).join('\t');
  }
  if (type === 'ListItem') {
    const marker = str(node['marker']) ?? /^\s*([•◦▪‣\-*–·]|\(?\d+[.)]|\(?[a-z][.)])\s/.exec(draft.text)?.[1];
    if (marker) draft.extra['marker'] = marker;
    if (typeof node['ordered'] === 'boolean') draft.extra['ordered'] = node['ordered'];
    else if (marker) draft.extra['ordered'] = /\d|[a-z]/.test(marker);
    draft.refs.groupId = str(node['groupId']);
  }
  if (type === 'Caption') draft.refs.targetId = str(node['targetId']);
  if (type === 'Figure') draft.refs.captionId = str(node['captionId']);
  if (type === 'Equation' && str(node['latex'])) draft.extra['latex'] = str(node['latex']);
  if (type === 'Code' && str(node['language'])) draft.extra['language'] = str(node['language']);
  if (type === 'Footnote' && str(node['label'])) draft.extra['label'] = str(node['label']);
  return draft;
}

/** Flatten marker's Document -> Page -> blocks tree (and group blocks) into drafts in reading order. */
export function collectMarker(node: Json, path: string, page: number | undefined, out: Draft[], problems: Problem[]): void {
  const hierarchy = isRecord(node['section_hierarchy']) ? node['section_hierarchy'] : undefined;
  const r = readBlock(node, path, page, problems, hierarchy);
  if (r === 'skip' || r === null) return;
  const children = Array.isArray(node['children']) ? node['children'] : [];
  if (r === 'group') {
    let childPage = page;
    const id = str(node['id']);
    const m = id ? /^\/page\/(\d+)\//.exec(id) : null;
    if (m) childPage = Number(m[1]);
    children.forEach((c, i) => isRecord(c) && collectMarker(c, `${path}/children/${i}`, childPage, out, problems));
    return;
  }
  out.push(r);
  if (r.type === 'ListGroup') {
    for (const [i, c] of children.entries()) {
      if (!isRecord(c)) continue;
      const item = readBlock(c, `${path}/children/${i}`, r.page, problems);
      if (item === null || item === 'group' || item === 'skip') continue;
      if (item.type !== 'ListItem') item.type = 'ListItem';
      item.origId ??= `${r.origId ?? 'list'}#${i}`;
      item.refs.groupId = r.origId;
      r.children.push(item.origId);
      out.push(item);
    }
  } else if (r.type === 'Table' || r.type === 'Figure') {
    // Their children are cells/lines already in html; nested captions are real blocks.
    for (const [i, c] of children.entries()) {
      if (isRecord(c) && normType(c['block_type'] ?? c['blockType']) === 'Caption') collectMarker(c, `${path}/children/${i}`, r.page, out, problems);
    }
  }
}
