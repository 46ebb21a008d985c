import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface ResolvedOutlineEntry {
  title: string;
  level: number;
  /** 0-based page, null when the target is not a page of this file. */
  page: number | null;
  /** Target point in PDF user space (XYZ / FitH destinations), for placing the heading. */
  left: number | null;
  top: number | null;
}

interface RawItem {
  title: string;
  dest: string | unknown[] | null;
  items: RawItem[];
}

/** Bookmarks can be deep and huge in generated manuals; past this many they add nothing. */
const MAX_ENTRIES = 5000;

async function resolveDest(doc: PDFDocumentProxy, dest: RawItem['dest']): Promise<Pick<ResolvedOutlineEntry, 'page' | 'left' | 'top'>> {
  const none = { page: null, left: null, top: null };
  try {
    const explicit = typeof dest === 'string' ? await doc.getDestination(dest) : dest;
    if (!Array.isArray(explicit) || explicit.length === 0) return none;
    const target = explicit[0];
    let page: number | null = null;
    if (typeof target === 'number') page = target;
    else if (target && typeof target === 'object') page = await doc.getPageIndex(target as { num: number; gen: number });
    const kind = (explicit[1] as { name?: string } | undefined)?.name;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    if (kind === 'XYZ') return { page, left: num(explicit[2]), top: num(explicit[3]) };
    if (kind === 'FitH' || kind === 'FitBH') return { page, left: null, top: num(explicit[2]) };
    if (kind === 'FitR') return { page, left: num(explicit[2]), top: num(explicit[5]) };
    return { page, left: null, top: null };
  } catch {
    return none;
  }
}

/** The PDF outline flattened in document order, level 1 = top. */
export async function readOutline(doc: PDFDocumentProxy): Promise<ResolvedOutlineEntry[]> {
  let root: RawItem[] | null;
  try {
    root = (await doc.getOutline()) as unknown as RawItem[] | null;
  } catch {
    return [];
  }
  const out: ResolvedOutlineEntry[] = [];
  const walk = async (items: RawItem[], level: number): Promise<void> => {
    for (const item of items) {
      if (out.length >= MAX_ENTRIES) return;
      const title = (item.title ?? '').replace(/[\u0000-\u001f]/g, ' ').replace(/\s+/g, ' ').trim();
      out.push({ title, level, ...(await resolveDest(doc, item.dest)) });
      if (Array.isArray(item.items) && item.items.length > 0) await walk(item.items, level + 1);
    }
  };
  await walk(root ?? [], 1);
  return out;
}
