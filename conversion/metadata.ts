import type { Block, PdfMetadata } from '../protocol/pdf/index.ts';
import { toIsoDate } from './dates.ts';
import { isRecord, num, str, type Json, type Problem } from './loose-json.ts';

/** Facts a producer knows but its JSON may not carry (marker output has no file name or hash). */
export interface ConvertOverrides {
  source?: { path: string; filename: string; bytes: number };
  sha256?: string;
  kind?: string;
  title?: string;
}

function splitAuthors(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  if (typeof v === 'string') return v.split(/\s*(?:;|\band\b|&)\s*/).map((x) => x.trim()).filter(Boolean);
  return [];
}

/** Metadata from `metadata` or the top level under any of the names producers use; overrides win. */
export function buildMetadata(input: Json, blocks: Block[], pageCountGuess: number, overrides: ConvertOverrides, problems: Problem[]): PdfMetadata {
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
  const meta: PdfMetadata = {
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
