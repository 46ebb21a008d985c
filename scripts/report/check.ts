/** Every number written in a report: integers, decimals and dotted versions. */
const NUMBER = /\d+(?:\.\d+)*/g;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The numbers in `markdown` that its run record (the JSON file's text) does not contain, as a whole
 * number (not the tail or head of a longer one). Empty = every figure comes from the run.
 */
export function figuresMissingFromRecord(markdown: string, recordText: string): string[] {
  const missing = new Set<string>();
  for (const token of markdown.match(NUMBER) ?? []) {
    if (!new RegExp(`(?<![0-9])${escape(token)}(?![0-9])`).test(recordText)) missing.add(token);
  }
  return [...missing];
}
