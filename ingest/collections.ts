import type { Block, PdfDocument } from '../protocol/pdf/index.ts';
import { sanitizeKey } from './keys.ts';

export interface ArangoDoc {
  _key: string;
  [field: string]: unknown;
}

export interface ArangoEdge extends ArangoDoc {
  _from: string;
  _to: string;
  /** What the edge means, e.g. section-block, caption-of, mentions. */
  kind: string;
}

export interface Collections {
  documents: ArangoDoc[];
  sections: ArangoDoc[];
  blocks: ArangoDoc[];
  contains: ArangoEdge[];
  next: ArangoEdge[];
  references: ArangoEdge[];
}

export const DOCUMENT_COLLECTIONS = ['documents', 'sections', 'blocks'] as const;
export const EDGE_COLLECTIONS = ['contains', 'next', 'references'] as const;

const MENTION = /\b(Figure|Fig\.|Table|Exhibit|Abbildung|Tabelle)\s+(\d+(?:[.-]\d+)*)/gi;

function mentionKey(kind: string, num: string): string {
  const k = kind.toLowerCase().startsWith('fig') || kind.toLowerCase() === 'abbildung' ? 'figure' : kind.toLowerCase() === 'exhibit' ? 'exhibit' : 'table';
  return `${k} ${num}`;
}

/**
 * Map a document to arangoimport-ready records. Keys are prefixed with the document key (its
 * SHA-256 when known) so several documents share collections without clashes and re-ingesting
 * the same file replaces its records.
 *
 * Edges: contains = document -> top sections, section -> subsections, section -> its blocks,
 * document -> blocks outside any section, ListGroup -> ListItem; next = reading order of blocks;
 * references = caption -> figure/table, and text that mentions "Figure 3" / "Table 2" -> that caption.
 */
export function toCollections(doc: PdfDocument): Collections {
  const docKey = sanitizeKey(doc.metadata.sha256 ?? doc.metadata.source.filename);
  const docId = `documents/${docKey}`;
  const sectionKey = (id: string) => sanitizeKey(`${docKey}-${id}`);
  const blockKey = (id: string) => sanitizeKey(`${docKey}-${id}`);
  const edgeKey = (from: string, to: string) => sanitizeKey(`${from.slice(from.indexOf('/') + 1)}--${to.slice(to.indexOf('/') + 1)}`);
  const edge = (from: string, to: string, kind: string, extra: Record<string, unknown> = {}): ArangoEdge => ({
    _key: edgeKey(from, to),
    _from: from,
    _to: to,
    kind,
    documentKey: docKey,
    ...extra,
  });

  const { source, ...meta } = doc.metadata;
  const documents: ArangoDoc[] = [
    {
      _key: docKey,
      formatVersion: doc.formatVersion,
      kind: doc.kind,
      ...meta,
      source,
      outline: doc.outline ?? [],
      pages: doc.pages ?? [],
      sectionCount: doc.sections.length,
      blockCount: doc.blocks.length,
    },
  ];

  const sections: ArangoDoc[] = doc.sections.map((s, order) => ({
    _key: sectionKey(s.id),
    documentKey: docKey,
    sectionId: s.id,
    title: s.title,
    level: s.level,
    parentKey: s.parentId === null ? null : sectionKey(s.parentId),
    pageStart: s.pageStart,
    pageEnd: s.pageEnd,
    order,
    headerBlockKey: s.headerBlockId ? blockKey(s.headerBlockId) : null,
  }));

  const blocks: ArangoDoc[] = doc.blocks.map((b, order) => {
    const { id, sectionId, sectionHierarchy, ...rest } = b;
    return {
      _key: blockKey(id),
      documentKey: docKey,
      blockId: id,
      order,
      sectionKey: sectionId ? sectionKey(sectionId) : null,
      sectionHierarchy: Object.fromEntries(Object.entries(sectionHierarchy ?? {}).map(([lvl, sid]) => [lvl, sectionKey(sid)])),
      ...rest,
    };
  });

  const contains: ArangoEdge[] = [];
  doc.sections.forEach((s, order) => {
    const to = `sections/${sectionKey(s.id)}`;
    contains.push(s.parentId === null ? edge(docId, to, 'document-section', { order }) : edge(`sections/${sectionKey(s.parentId)}`, to, 'section-section', { order }));
    s.blockIds.forEach((bid, k) => contains.push(edge(to, `blocks/${blockKey(bid)}`, 'section-block', { order: k })));
  });
  const inSection = new Set(doc.sections.flatMap((s) => s.blockIds));
  doc.blocks.forEach((b, order) => {
    if (!inSection.has(b.id)) contains.push(edge(docId, `blocks/${blockKey(b.id)}`, 'document-block', { order }));
    if (b.blockType === 'ListGroup') b.childIds.forEach((c, k) => contains.push(edge(`blocks/${blockKey(b.id)}`, `blocks/${blockKey(c)}`, 'list-item', { order: k })));
  });

  const next: ArangoEdge[] = [];
  for (let i = 1; i < doc.blocks.length; i++) {
    next.push(edge(`blocks/${blockKey(doc.blocks[i - 1]!.id)}`, `blocks/${blockKey(doc.blocks[i]!.id)}`, 'reading-order'));
  }

  const references: ArangoEdge[] = [];
  const captionsByLabel = new Map<string, Block>();
  for (const b of doc.blocks) {
    if (b.blockType !== 'Caption') continue;
    if (b.targetId) references.push(edge(`blocks/${blockKey(b.id)}`, `blocks/${blockKey(b.targetId)}`, 'caption-of'));
    const m = /^(Figure|Fig\.|Table|Exhibit|Abbildung|Tabelle)\s+(\d+(?:[.-]\d+)*)/i.exec(b.text);
    if (m && !captionsByLabel.has(mentionKey(m[1]!, m[2]!))) captionsByLabel.set(mentionKey(m[1]!, m[2]!), b);
  }
  const seen = new Set(references.map((r) => r._key));
  for (const b of doc.blocks) {
    if (b.blockType === 'Caption' || !b.text) continue;
    for (const m of b.text.matchAll(MENTION)) {
      const target = captionsByLabel.get(mentionKey(m[1]!, m[2]!));
      if (!target || target.id === b.id) continue;
      const e = edge(`blocks/${blockKey(b.id)}`, `blocks/${blockKey(target.id)}`, 'mentions', { label: m[0] });
      if (seen.has(e._key)) continue;
      seen.add(e._key);
      references.push(e);
    }
  }
  return { documents, sections, blocks, contains, next, references };
}
