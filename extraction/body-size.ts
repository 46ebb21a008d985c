import type { PageLayout } from './types.ts';

/**
 * Body text size, estimated from running prose only: text blocks of two or more lines set in a
 * proportional, non-math font, weighted by characters. Code listings (monospace) and formulas
 * can outweigh prose in manuals and would otherwise make every prose line look "larger than body".
 * Falls back to all text when a document has no such paragraphs (slides, forms).
 */
export function bodySizeOf(pages: PageLayout[]): number {
  const prose = new Map<number, number>();
  const all = new Map<number, number>();
  for (const p of pages) {
    for (const b of p.blocks) {
      if (b.kind !== 'text' || b.size <= 0) continue;
      const n = b.text.length;
      const key = Math.round(b.size * 2) / 2;
      all.set(key, (all.get(key) ?? 0) + n);
      if (b.lines.length >= 2 && !b.mono && b.math < 0.3) prose.set(key, (prose.get(key) ?? 0) + n);
    }
  }
  const pick = (h: Map<number, number>) => [...h].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0];
  const proseChars = [...prose.values()].reduce((a, b) => a + b, 0);
  return (proseChars >= 200 ? pick(prose) : pick(all)) ?? 10;
}
