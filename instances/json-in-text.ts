/**
 * Finds the JSON value in a model's text answer, for backends that cannot force structured
 * output (claude-code): the whole text, else a ```json fenced block, else the outermost
 * {...} or [...] span. Returns undefined when there is none.
 */
export function jsonInText(text: string): { value: unknown } | undefined {
  const trimmed = text.trim();
  const candidates: string[] = [trimmed];
  const fence = /```(?:json)?\s*\n([\s\S]*?)\n?```/i.exec(trimmed);
  if (fence?.[1]) candidates.push(fence[1].trim());
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    const start = trimmed.indexOf(open);
    const end = trimmed.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(trimmed.slice(start, end + 1));
  }
  for (const candidate of candidates) {
    if (candidate === '') continue;
    try {
      return { value: JSON.parse(candidate) as unknown };
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
