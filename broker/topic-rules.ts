import { SHARED_SUBSCRIPTION_PREFIX } from '../protocol/index.ts';

/**
 * aedes does no UTF-8 or U+0000 checks on topics and filters (docs/architecture.md, Components: the broker), so the broker
 * applies the MQTT 3.1.1 rules itself before anything is routed.
 */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return 'topic is empty';
  if (topic.includes('\u0000')) return 'topic contains U+0000';
  if (/[+#]/.test(topic)) return 'a topic name may not contain wildcards';
  if (Buffer.byteLength(topic) > 65535) return 'topic is longer than 65535 bytes';
  if (topic.includes('\uFFFD')) return 'topic is not valid UTF-8';
  return undefined;
}

export function topicFilterProblem(filter: string): string | undefined {
  if (filter.length === 0) return 'filter is empty';
  if (filter.includes('\u0000')) return 'filter contains U+0000';
  if (filter.includes('\uFFFD')) return 'filter is not valid UTF-8';
  // aedes 1.x would take `$share/...` as a plain filter no message ever matches: replicas would wait forever.
  if (filter.startsWith(SHARED_SUBSCRIPTION_PREFIX)) return 'aedes has no shared subscriptions ($share/...); run replicas on mosquitto (comms up --url)';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] as string;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) return "'#' must be a whole last level";
    if (level.includes('+') && level !== '+') return "'+' must be a whole level";
  }
  return undefined;
}
