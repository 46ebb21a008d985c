import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { toIsoDate } from '../conversion/index.ts';

export interface DocInfo {
  title?: string;
  authors: string[];
  subject?: string;
  keywords?: string[];
  created?: string;
  modified?: string;
  language?: string;
  producer?: string;
  creator?: string;
  pdfVersion?: string;
  encrypted: boolean;
  hasForm: boolean;
}

function clean(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  // Info strings carry NULs and BOM debris from old writers.
  const s = v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufeff]/g, '').replace(/\s+/g, ' ').trim();
  return s === '' ? undefined : s;
}

function xmpString(v: unknown): string | undefined {
  if (Array.isArray(v)) return clean(v.filter((x) => typeof x === 'string').join(', '));
  return clean(v);
}

function splitAuthors(s: string): string[] {
  return s
    .split(/\s*(?:;|\band\b|&|,(?=\s*\p{Lu}[\p{L}.]*\s+\p{Lu}))\s*/u)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

/** Info dictionary first (what most writers fill), XMP for whatever it lacks. */
export async function readMetadata(doc: PDFDocumentProxy): Promise<DocInfo> {
  let info: Record<string, unknown> = {};
  let xmp = new Map<string, unknown>();
  try {
    const m = await doc.getMetadata();
    info = (m.info ?? {}) as Record<string, unknown>;
    if (m.metadata) xmp = new Map([...(m.metadata as unknown as Iterable<[string, unknown]>)]);
  } catch {
    // Broken metadata is not a reason to lose the text.
  }
  const out: DocInfo = {
    authors: [],
    encrypted: info['EncryptFilterName'] != null,
    hasForm: info['IsAcroFormPresent'] === true,
  };
  const title = clean(info['Title']) ?? xmpString(xmp.get('dc:title'));
  if (title) out.title = title;
  const author = clean(info['Author']);
  const xmpCreators = xmp.get('dc:creator');
  if (author) out.authors = splitAuthors(author);
  else if (Array.isArray(xmpCreators)) out.authors = xmpCreators.map(clean).filter((x): x is string => !!x);
  else if (typeof xmpCreators === 'string') out.authors = splitAuthors(xmpCreators);
  const subject = clean(info['Subject']) ?? xmpString(xmp.get('dc:description'));
  if (subject) out.subject = subject;
  const keywords = clean(info['Keywords']) ?? xmpString(xmp.get('pdf:keywords'));
  if (keywords) out.keywords = keywords.split(/\s*[,;]\s*/).filter(Boolean);
  const created = toIsoDate(clean(info['CreationDate'])) ?? toIsoDate(xmpString(xmp.get('xmp:createdate'))) ?? toIsoDate(xmpString(xmp.get('dc:date')));
  if (created) out.created = created;
  const modified = toIsoDate(clean(info['ModDate'])) ?? toIsoDate(xmpString(xmp.get('xmp:modifydate')));
  if (modified) out.modified = modified;
  const language = clean(info['Language']) ?? xmpString(xmp.get('dc:language'));
  if (language) out.language = language;
  const producer = clean(info['Producer']) ?? xmpString(xmp.get('pdf:producer'));
  if (producer) out.producer = producer;
  const creator = clean(info['Creator']) ?? xmpString(xmp.get('xmp:creatortool'));
  if (creator) out.creator = creator;
  const version = clean(info['PDFFormatVersion']);
  if (version) out.pdfVersion = version;
  return out;
}
