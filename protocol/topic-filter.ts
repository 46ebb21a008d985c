import { QlobberTrue } from 'qlobber';

/**
 * MQTT topic-filter matching ('+' one level, '#' the rest), done by qlobber, the matcher aedes
 * itself routes with, so the broker, the role policy and an actor's local routing agree. The
 * options are aedes' own; on top of them comes the one MQTT rule qlobber leaves to its caller:
 * a wildcard first level never matches a topic starting with '$'.
 */

/** aedes refuses deeper topics (qlobber's default limit); past it nothing matches. */
const MAX_LEVELS = 100;

/** One compiled matcher per filter: filters come from code and subscriptions, so they are few. */
const matchers = new Map<string, QlobberTrue>();
const MAX_CACHED = 1000;

function matcherFor(filter: string): QlobberTrue {
  let matcher = matchers.get(filter);
  if (!matcher) {
    if (matchers.size >= MAX_CACHED) matchers.clear();
    matcher = new QlobberTrue({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true, max_words: MAX_LEVELS });
    matcher.add(filter);
    matchers.set(filter, matcher);
  }
  return matcher;
}

function levelsOf(s: string): number {
  let n = 1;
  for (const ch of s) if (ch === '/') n++;
  return n;
}

/** Does `filter` match the topic name `topic`? */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  if (levelsOf(topic) > MAX_LEVELS) return false;
  return matcherFor(filter).test(topic);
}

/**
 * Does every topic the `requested` filter can match also match `allowed`? `requested` is matched
 * as if it were a topic name, which is exact except for its '#': that level stands for any number
 * of levels, so only a '#' of `allowed` at or before it covers it.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  if (requested.endsWith('#') && !(allowed.endsWith('#') && levelsOf(allowed) <= levelsOf(requested))) return false;
  return topicMatches(allowed, requested);
}

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
