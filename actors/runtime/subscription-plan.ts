import { CommsError, filterCovers, filtersOverlap } from '../../protocol/index.ts';

/**
 * The filters to SUBSCRIBE for a set of needs: a filter covered by another is dropped (the
 * covering one delivers its messages, and the actor routes them by topic), and two filters that
 * only partly overlap are refused, since neither can stand in for the other.
 */
export function planSubscriptions(needed: readonly string[]): string[] {
  const unique = [...new Set(needed)];
  const kept = unique.filter((f) => !unique.some((g) => g !== f && filterCovers(g, f)));
  for (let i = 0; i < kept.length; i++) {
    for (let j = i + 1; j < kept.length; j++) {
      const [a, b] = [kept[i] as string, kept[j] as string];
      if (filtersOverlap(a, b)) {
        throw new CommsError('E_CONFIG_INVALID', `subscription filters ${a} and ${b} overlap; one connection must hold disjoint filters (docs/troubleshooting.md).`, { filters: [a, b] });
      }
    }
  }
  return kept;
}
