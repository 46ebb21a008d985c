/**
 * Combining marks in right-to-left text, put back after their base letter.
 *
 * PDFs store right-to-left text in visual order (left to right on the page); pdf.js, like
 * pdftotext, reverses each run to get logical order. Producers that write a mark's glyph after
 * its base glyph in visual order (the mark painted over the letter just drawn) thus get every
 * mark *before* its letter after the reversal: "َحبيبي" for "حَبيبي". In logical order a mark
 * never starts a word, and in such reversed text a mark never ends one. So a line in which some
 * mark cluster starts a word (comes after a space, punctuation or the start and before a letter)
 * and none ends a word (comes after a letter and before a space, punctuation or the end) has
 * its marks before their bases: each cluster is moved after the letter that follows it. A line
 * with both kinds, or neither, is left as it is (it cannot be told which order it is in).
 */

const MARK = /\p{Mn}/u;
const LETTER = /\p{L}/u;

export function marksAfterBase(text: string): string {
  if (!MARK.test(text)) return text;
  const chars = [...text];
  let starts = 0;
  let ends = 0;
  for (let i = 0; i < chars.length; ) {
    if (!MARK.test(chars[i]!)) {
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && MARK.test(chars[j]!)) j++;
    const before = i > 0 && LETTER.test(chars[i - 1]!);
    const after = j < chars.length && LETTER.test(chars[j]!);
    if (!before && after) starts++;
    if (before && !after) ends++;
    i = j;
  }
  if (starts === 0 || ends > 0) return text;
  const out: string[] = [];
  for (let i = 0; i < chars.length; ) {
    if (!MARK.test(chars[i]!)) {
      out.push(chars[i]!);
      i++;
      continue;
    }
    let j = i;
    while (j < chars.length && MARK.test(chars[j]!)) j++;
    if (j < chars.length && LETTER.test(chars[j]!)) {
      out.push(chars[j]!, ...chars.slice(i, j));
      i = j + 1;
    } else {
      out.push(...chars.slice(i, j));
      i = j;
    }
  }
  return out.join('');
}
