import type { Block, BlockType } from '../protocol/pdf/index.ts';
import type { Draft } from './read-block.ts';

/**
 * Give every draft its final id (keeping original ids that are already well formed for their type
 * and page) and resolve list, caption and figure references to those ids.
 */
export function finalizeBlocks(drafts: Draft[]): Block[] {
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
        return { blockType: 'SectionHeader', ...base, level: d.level ?? 1, source: 'converted' } as Block;
      case 'ListGroup':
        return { blockType: 'ListGroup', ...base, childIds: d.children.map(resolve).filter((x): x is string => !!x) } as Block;
      case 'ListItem': {
        const g = resolve(d.refs.groupId);
        return { blockType: 'ListItem', ...base, ...d.extra, ...(g ? { groupId: g } : {}) } as Block;
      }
      case 'Caption': {
        const t = resolve(d.refs.targetId);
        return { blockType: 'Caption', ...base, ...(t ? { targetId: t } : {}) } as Block;
      }
      case 'Figure': {
        const c = resolve(d.refs.captionId);
        return { blockType: 'Figure', ...base, ...(c ? { captionId: c } : {}) } as Block;
      }
      default:
        return { blockType: d.type, ...base, ...d.extra } as Block;
    }
  });
}
