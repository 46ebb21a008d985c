/**
 * Which outline entries a content-based extractor can find at all: an entry is printed when its
 * title (normalised, with or without its label/number) occurs in the text of its page +-1.
 *
 * Why: the two files at 0 recall share one cause. Their outline titles are not printed where
 * they point: a test file's bookmarks are named "First", "Second", ... over pages whose headings
 * read "1 Foo", "2 Bar"; a scanned file's bookmarks point at image-only pages (no text layer
 * there, the one page with text is elsewhere). No extractor reading the page content can match
 * such entries, so `npm run eval` reports recall over printed entries beside the plain recall and
 * names this cause for every file at 0.
 */
import { norm, stripLabel, type TruthEntry } from './match.ts';

export interface PrintedSplit {
  printed: TruthEntry[];
  /** Entries whose page +-1 has text, but not the title. */
  notInText: TruthEntry[];
  /** Entries whose page +-1 has no text at all (scans, images). */
  noTextLayer: TruthEntry[];
}

/** `pageText[i]` is the text of page i (any block order). */
export function splitPrinted(truth: TruthEntry[], pageText: string[]): PrintedSplit {
  const normalised = pageText.map((t) => norm(t));
  const near = (page: number) => [page - 1, page, page + 1].filter((p) => p >= 0 && p < normalised.length).map((p) => normalised[p]!);
  const out: PrintedSplit = { printed: [], notInText: [], noTextLayer: [] };
  for (const t of truth) {
    const texts = near(t.page);
    if (texts.every((s) => s === '')) out.noTextLayer.push(t);
    else {
      const keys = [norm(t.title), norm(stripLabel(t.title))].filter((k) => k !== '');
      (keys.some((k) => texts.some((s) => s.includes(k))) ? out.printed : out.notInText).push(t);
    }
  }
  return out;
}
