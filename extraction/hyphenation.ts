import type { PageLayout } from './types.ts';

/**
 * Line-break hyphens dropped by layout (layout.ts joinLines) are put back where the document
 * itself writes the word with a hyphen and never without: "random-" + "effects" is the compound
 * "random-effects" when the text has "random-effects" elsewhere and no "randomeffects" (joins
 * made here do not count as evidence for themselves). Words the document uses nowhere else keep
 * the hyphen dropped: hyphenation of a word is far more common than a compound broken at its
 * hyphen (visible corpus, docs/extraction.md: of 194 hyphens finally dropped, 123 give words the
 * document also writes joined, none a word it writes only hyphenated).
 */

const WORD = /[\p{L}\p{M}\p{N}'’]+(?:-[\p{L}\p{M}\p{N}'’]+)*/gu;

function wordAt(text: string, at: number): { head: string; next: string } {
  const head = /[\p{L}\p{M}\p{N}'’]*$/u.exec(text.slice(0, at))![0];
  const next = /^[\p{L}\p{M}\p{N}'’]*/u.exec(text.slice(at))![0];
  return { head, next };
}

export function settleHyphens(pages: PageLayout[]): void {
  const drops = pages.flatMap((p) => (p?.blocks ?? []).filter((b) => b.hyphenDrops?.length));
  if (drops.length === 0) return;
  const counts = new Map<string, number>();
  for (const p of pages) for (const b of p?.blocks ?? []) for (const w of b.text.toLowerCase().match(WORD) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  // The joins themselves made the joined words; they are not evidence for them.
  const made = new Map<string, number>();
  for (const b of drops) {
    for (const at of b.hyphenDrops!) {
      const { head, next } = wordAt(b.text, at);
      const joined = (head + next).toLowerCase();
      made.set(joined, (made.get(joined) ?? 0) + 1);
    }
  }
  for (const b of drops) {
    let text = b.text;
    for (const at of [...b.hyphenDrops!].sort((x, y) => y - x)) {
      const { head, next } = wordAt(text, at);
      const joined = (head + next).toLowerCase();
      const hyphenated = `${head}-${next}`.toLowerCase();
      if ((counts.get(hyphenated) ?? 0) > 0 && (counts.get(joined) ?? 0) - (made.get(joined) ?? 0) <= 0) text = `${text.slice(0, at)}-${text.slice(at)}`;
    }
    b.text = text;
    delete b.hyphenDrops;
  }
}
