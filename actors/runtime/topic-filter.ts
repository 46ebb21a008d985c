/** MQTT wildcard matching ('+' one level, '#' the rest), used to route messages to subscribers in one connection. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return !(t[0]?.startsWith('$') && i === 0);
    if (i >= t.length) return false;
    if (level === '+') {
      if (i === 0 && t[0]?.startsWith('$')) return false;
      continue;
    }
    if (level !== t[i]) return false;
  }
  return f.length === t.length;
}
