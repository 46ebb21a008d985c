/**
 * One-to-one matching of extracted headings against outline entries (the ground truth).
 * Titles compare after normalisation (case, whitespace, punctuation, NFKC) with any printed
 * label/number prefix ("Chapter 3", "2.1", "File 9", "§ 4") stripped; containment counts when
 * the shorter side is most of the longer. Pages must agree within +-1.
 */

export interface TruthEntry {
  title: string;
  /** 0-based page. */
  page: number;
}

export interface FoundHeading {
  text: string;
  /** The heading without its printed label, when the extractor split one off. */
  title?: string;
  page: number;
}

export interface MatchResult {
  matched: Array<{ truth: number; found: number }>;
  unmatchedTruth: number[];
  unmatchedFound: number[];
}

const LABEL = /^(?:(?:chapter|part|section|appendix|file|package|class|module|kapitel|abschnitt|teil|anhang|глава|раздел|часть|приложение|第)\s*)?(?:[\p{N}ivxlcdm]+|[A-Z])(?:[.\-–:][\p{N}]+)*[.:)\-–]?\s+(?=\S)/iu;

/** Lower-case letters and digits only, NFKC. */
export function norm(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Drop a printed label or section number in front of a title ("3.2 Results" -> "Results"). */
export function stripLabel(s: string): string {
  const t = s.normalize('NFKC').trim().replace(/^§+\s*/, '');
  const m = LABEL.exec(t);
  if (m && t.length - m[0].length >= 2) return t.slice(m[0].length);
  return t;
}

function variants(s: string): string[] {
  const out = new Set([norm(s), norm(stripLabel(s))]);
  out.delete('');
  return [...out];
}

/** 0 = identical, 1 = containment of most of the longer title, Infinity = no match. */
export function titleDistance(a: string, b: string): number {
  let best = Infinity;
  for (const x of variants(a)) {
    for (const y of variants(b)) {
      if (x === y) return 0;
      const [short, long] = x.length <= y.length ? [x, y] : [y, x];
      if (short.length >= 4 && long.includes(short) && short.length >= 0.6 * long.length) best = Math.min(best, 1);
    }
  }
  return best;
}

/** Greedy one-to-one assignment, best pairs first (exact title, then nearest page). */
export function matchHeadings(truth: TruthEntry[], found: FoundHeading[], pageSlack = 1): MatchResult {
  const pairs: Array<{ t: number; f: number; cost: number }> = [];
  truth.forEach((t, ti) => {
    found.forEach((f, fi) => {
      const dp = Math.abs(f.page - t.page);
      if (dp > pageSlack) return;
      const d = Math.min(titleDistance(t.title, f.text), f.title !== undefined ? titleDistance(t.title, f.title) : Infinity);
      if (d === Infinity) return;
      pairs.push({ t: ti, f: fi, cost: d * 10 + dp });
    });
  });
  pairs.sort((a, b) => a.cost - b.cost || a.t - b.t || a.f - b.f);
  const usedT = new Set<number>();
  const usedF = new Set<number>();
  const matched: MatchResult['matched'] = [];
  for (const p of pairs) {
    if (usedT.has(p.t) || usedF.has(p.f)) continue;
    usedT.add(p.t);
    usedF.add(p.f);
    matched.push({ truth: p.t, found: p.f });
  }
  return {
    matched: matched.sort((a, b) => a.truth - b.truth),
    unmatchedTruth: truth.map((_, i) => i).filter((i) => !usedT.has(i)),
    unmatchedFound: found.map((_, i) => i).filter((i) => !usedF.has(i)),
  };
}
