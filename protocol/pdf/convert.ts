import { CommsError } from '../errors.ts';
import {
  BLOCK_TYPES,
  type BBoxT,
  type BlockT,
  type BlockType,
  type PdfDocumentT,
  type PdfMetadataT,
  type TableCellT,
} from './document.ts';
import { toIsoDate } from './dates.ts';
import { headingLevelOf, htmlToText, parseHtmlTable } from './html.ts';
import type { PdfRequirementsBody } from './requirements.ts';
import { buildSections } from './sections.ts';
import { validatePdfFormat } from './validate.ts';
import { majorOf, parseVersion } from './version.ts';

/** Facts a producer knows but its JSON may not carry (marker output has no file name or hash). */
export interface ConvertOverrides {
  source?: { path: string; filename: string; bytes: number };
  sha256?: string;
  kind?: string;
  title?: string;
}

interface Problem {
  path: string;
  message: string;
}

type Json = Record<string, unknown>;

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

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function normType(t: unknown): BlockType | 'group' | 'skip' | undefined {
  if (typeof t !== 'string') return undefined;
  if ((BLOCK_TYPES as readonly string[]).includes(t)) return t as BlockType;
  return TYPE_ALIASES[t.replace(/[-_\s]/g, '').toLowerCase()];
}

function toBBox(node: Json): BBoxT | undefined {
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

interface Draft {
  type: BlockType;
  page: number;
  bbox: BBoxT;
  text: string;
  html?: string;
  origId?: string;
  level?: number;
  extra: Json;
  children: string[]; // original ids of ListItems in a ListGroup
  refs: { targetId?: string; captionId?: string; groupId?: string };
}

/** Read one block-like node (marker or loose own format) into a draft; null when it is a container. */
function readBlock(node: Json, path: string, inheritedPage: number | undefined, problems: Problem[], hierarchy?: Json): Draft | 'group' | 'skip' | null {
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
      const parsed: TableCellT[] = cells.filter(isRecord).map((c) => ({ row: num(c['row']) ?? 0, col: num(c['col']) ?? 0, text: str(c['text']) ?? '' }));
      draft.extra = { rows: num(node['rows']) ?? Math.max(0, ...parsed.map((c) => c.row + 1)), cols: num(node['cols']) ?? Math.max(0, ...parsed.map((c) => c.col + 1)), cells: parsed };
    } else if (Array.isArray(rowsArr)) {
      // Pre-1.0 drafts sent tables as string[][].
      const parsed: TableCellT[] = [];
      rowsArr.forEach((r, ri) => Array.isArray(r) && r.forEach((t, ci) => parsed.push({ row: ri, col: ci, text: String(t ?? '') })));
      draft.extra = { rows: rowsArr.length, cols: Math.max(0, ...rowsArr.map((r) => (Array.isArray(r) ? r.length : 0))), cells: parsed };
    } else if (html && /<tr\b/i.test(html)) {
      draft.extra = parseHtmlTable(html);
    } else {
      // A table we cannot split into cells is still text worth keeping.
      draft.extra = { rows: 0, cols: 0, cells: [] };
    }
    if (!draft.text) draft.text = ((draft.extra['cells'] as TableCellT[]) ?? []).map((c) => c.text).join('\t');
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
function collectMarker(node: Json, path: string, page: number | undefined, out: Draft[], problems: Problem[]): void {
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

function finalizeBlocks(drafts: Draft[]): BlockT[] {
  const used = new Set<string>();
  const counters = new Map<string, number>();
  const idMap = new Map<string, string>();
  const nextId = (page: number, type: BlockType) => {
    const k = `${page}/${type}`;
    let n = counters.get(k) ?? 0;
    while (used.has(`/page/${page}/${type}/${n}`)) n++;
    counters.set(k, n + 1);
    return `/page/${page}/${type}/${n}`;
  };
  // First keep every original id that is already well formed for its type and page.
  const ids = drafts.map((d) => {
    const o = d.origId;
    const m = o ? /^\/page\/(\d+)\/([A-Za-z]+)\/\d+$/.exec(o) : null;
    if (o && m && Number(m[1]) === d.page && m[2] === d.type && !used.has(o)) {
      used.add(o);
      return o;
    }
    return undefined;
  });
  drafts.forEach((d, i) => {
    const id = ids[i] ?? nextId(d.page, d.type);
    used.add(id);
    ids[i] = id;
    if (d.origId && !idMap.has(d.origId)) idMap.set(d.origId, id);
  });
  const resolve = (orig: string | undefined) => (orig === undefined ? undefined : idMap.get(orig));
  return drafts.map((d, i) => {
    const base = { id: ids[i]!, page: d.page, bbox: d.bbox, text: d.text, ...(d.html !== undefined ? { html: d.html } : {}) };
    switch (d.type) {
      case 'SectionHeader':
        return { blockType: 'SectionHeader', ...base, level: d.level ?? 1, source: 'converted' } as BlockT;
      case 'ListGroup':
        return { blockType: 'ListGroup', ...base, childIds: d.children.map(resolve).filter((x): x is string => !!x) } as BlockT;
      case 'ListItem': {
        const g = resolve(d.refs.groupId);
        return { blockType: 'ListItem', ...base, ...d.extra, ...(g ? { groupId: g } : {}) } as BlockT;
      }
      case 'Caption': {
        const t = resolve(d.refs.targetId);
        return { blockType: 'Caption', ...base, ...(t ? { targetId: t } : {}) } as BlockT;
      }
      case 'Figure': {
        const c = resolve(d.refs.captionId);
        return { blockType: 'Figure', ...base, ...(c ? { captionId: c } : {}) } as BlockT;
      }
      default:
        return { blockType: d.type, ...base, ...d.extra } as BlockT;
    }
  });
}

function splitAuthors(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  if (typeof v === 'string') return v.split(/\s*(?:;|\band\b|&)\s*/).map((x) => x.trim()).filter(Boolean);
  return [];
}

function buildMetadata(input: Json, blocks: BlockT[], pageCountGuess: number, overrides: ConvertOverrides, problems: Problem[]): PdfMetadataT {
  const m = isRecord(input['metadata']) ? input['metadata'] : {};
  const pick = (...keys: string[]): unknown => {
    for (const k of keys) {
      if (m[k] !== undefined) return m[k];
      if (input[k] !== undefined) return input[k];
    }
    return undefined;
  };
  const srcRaw = pick('source');
  const src = isRecord(srcRaw) ? srcRaw : {};
  const path = overrides.source?.path ?? str(src['path']) ?? (typeof srcRaw === 'string' ? srcRaw : undefined) ?? str(pick('path', 'filepath', 'file'));
  const filename = overrides.source?.filename ?? str(src['filename']) ?? str(pick('filename', 'fileName')) ?? (path ? path.split(/[\\/]/).pop() : undefined);
  const bytes = overrides.source?.bytes ?? num(src['bytes']) ?? num(pick('bytes', 'size', 'fileSize')) ?? 0;
  if (!filename) problems.push({ path: '/metadata/source/filename', message: 'no source file name: pass overrides.source or metadata.source.filename' });
  const pages = pick('pageCount', 'numPages', 'page_count');
  const pageCount = Math.max(num(pages) ?? (Array.isArray(pages) ? pages.length : 0), pageCountGuess, ...blocks.map((b) => b.page + 1));
  const firstH1 = blocks.find((b) => b.blockType === 'SectionHeader')?.text;
  const meta: PdfMetadataT = {
    authors: splitAuthors(pick('authors', 'author', 'Author')),
    pageCount,
    source: { path: path ?? filename ?? '', filename: filename ?? '', bytes },
    encrypted: pick('encrypted') === true,
    needsOcrPages: (() => {
      const n = pick('needsOcrPages', 'needsOcr', 'ocrPages');
      return Array.isArray(n) ? n.filter((x): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < pageCount) : [];
    })(),
  };
  const title = overrides.title ?? str(pick('title', 'Title')) ?? firstH1;
  if (title) meta.title = title;
  const sha = overrides.sha256 ?? str(pick('sha256', 'hash'));
  if (sha && /^[0-9a-f]{64}$/i.test(sha)) meta.sha256 = sha.toLowerCase();
  const created = toIsoDate(pick('created', 'creationDate', 'CreationDate'));
  if (created) meta.created = created;
  const modified = toIsoDate(pick('modified', 'modDate', 'ModDate'));
  if (modified) meta.modified = modified;
  for (const [key, aliases] of [
    ['language', ['language', 'lang', 'Language']],
    ['producer', ['producer', 'Producer']],
    ['creator', ['creator', 'Creator']],
    ['subject', ['subject', 'Subject']],
    ['pdfVersion', ['pdfVersion', 'PDFFormatVersion']],
  ] as const) {
    const v = str(pick(...aliases));
    if (v) meta[key] = v;
  }
  const kw = pick('keywords', 'Keywords');
  if (Array.isArray(kw)) meta.keywords = kw.filter((x): x is string => typeof x === 'string');
  else if (typeof kw === 'string' && kw.trim()) meta.keywords = kw.split(/\s*[,;]\s*/).filter(Boolean);
  return meta;
}

function fail(problems: Problem[], what: string): never {
  const list = problems.slice(0, 20).map((p) => `${p.path}: ${p.message}`).join('; ');
  throw new CommsError('E_DOCUMENT_INVALID', `Could not convert ${what}: ${list}${problems.length > 20 ? ` (+${problems.length - 20} more)` : ''}`, { problems });
}

/**
 * Bring a document to the format `requirements` describe. Accepts
 * (a) marker JSON output (`block_type`, `children`, `section_hierarchy`, `polygon`/`bbox`, `html`),
 * (b) our own format at an older or looser version (`type` for blockType, 1-based `pageNumber`,
 *     bbox objects, flat metadata, tables as string[][], missing sections/ids),
 * (c) a current document, returned as a validated copy.
 * Sections are rebuilt from headings for (a) and (b), since their trees cannot be trusted.
 * Throws E_DOCUMENT_INVALID with `details.problems` naming each part that could not be converted,
 * and E_VERSION_UNSUPPORTED for a document of a newer major than the requirements.
 */
export function convertToRequiredFormat(doc: unknown, requirements: PdfRequirementsBody, overrides: ConvertOverrides = {}): PdfDocumentT {
  if (!isRecord(doc)) {
    throw new CommsError('E_DOCUMENT_INVALID', `Could not convert: expected a JSON object, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  const declared = str(doc['formatVersion']) ?? str(doc['version']) ?? str(doc['schemaVersion']);
  if (declared) {
    let major: number | undefined;
    try {
      major = majorOf(declared);
    } catch {
      major = undefined;
    }
    if (major !== undefined && major > parseVersion(requirements.version).major) {
      throw new CommsError('E_VERSION_UNSUPPORTED', `Document format ${declared} is newer than the requirements ${requirements.version}; ask the receiver for its requirements and write that version.`);
    }
  }

  if (validatePdfFormat(doc, requirements).valid) return structuredClone(doc) as PdfDocumentT;

  const problems: Problem[] = [];
  const drafts: Draft[] = [];
  let pageCountGuess = 0;
  const isMarker = 'block_type' in doc || (Array.isArray(doc['children']) && !Array.isArray(doc['blocks']));
  if (isMarker) {
    const pages = Array.isArray(doc['children']) ? doc['children'] : [];
    pageCountGuess = pages.filter((p) => isRecord(p) && normType(p['block_type']) === 'group' && /Page/i.test(String(p['block_type']))).length;
    pages.forEach((p, i) => isRecord(p) && collectMarker(p, `/children/${i}`, undefined, drafts, problems));
  } else if (Array.isArray(doc['blocks'])) {
    doc['blocks'].forEach((b, i) => {
      if (!isRecord(b)) {
        problems.push({ path: `/blocks/${i}`, message: 'block is not an object' });
        return;
      }
      const r = readBlock(b, `/blocks/${i}`, undefined, problems);
      if (r === 'group' || r === 'skip' || r === null) return;
      if (r.type === 'ListGroup') r.children = Array.isArray(b['childIds']) ? b['childIds'].filter((x): x is string => typeof x === 'string') : [];
      drafts.push(r);
    });
  } else {
    fail([{ path: '/', message: 'neither marker JSON (children/block_type) nor a document with blocks' }], 'the document');
  }
  if (drafts.length === 0 && problems.length === 0) problems.push({ path: isMarker ? '/children' : '/blocks', message: 'no blocks found' });
  if (problems.length > 0) fail(problems, isMarker ? 'marker JSON' : 'the document');

  const blocks = finalizeBlocks(drafts);
  const sections = buildSections(blocks);
  const metadata = buildMetadata(doc, blocks, pageCountGuess, overrides, problems);
  if (problems.length > 0) fail(problems, isMarker ? 'marker JSON' : 'the document');
  const kindIn = overrides.kind ?? str(doc['kind']);
  const kind = kindIn && requirements.documentKinds.includes(kindIn) ? kindIn : requirements.documentKinds.includes('document') ? 'document' : requirements.documentKinds[0] ?? 'document';
  const out: PdfDocumentT = { formatVersion: requirements.version, kind, metadata, sections, blocks };
  const report = validatePdfFormat(out, requirements);
  if (!report.valid) {
    fail(report.errors.map((e) => ({ path: e.path, message: `${e.message} ${e.hint}` })), 'to a valid document');
  }
  return out;
}
