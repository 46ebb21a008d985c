import { CommsError } from '../../protocol/index.ts';

/**
 * Whether some topic matches both filters. Used to keep one connection's filters disjoint:
 * aedes 1.x loses messages for a persistent QoS 1 session whose filters overlap
 * (docs/troubleshooting.md, "Overlapping subscriptions"), and MQTT 3.1.1 lets other brokers
 * deliver such a message twice, so no client of ours may hold two filters a topic matches.
 */
export function filtersOverlap(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    // 'a/#' also matches 'a' itself (MQTT-4.7.1-2), so '#' overlaps even when the other filter has ended.
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** Whether every topic matching `inner` also matches `outer`. */
export function filterCovers(outer: string, inner: string): boolean {
  const x = outer.split('/');
  const y = inner.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (q === '#') return false;
    if (p !== '+' && p !== q) return false;
  }
}

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
