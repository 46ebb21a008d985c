/**
 * Printed heading labels: "Chapter 3", "File 9", "3.2.1", "IV.", "Anhang A". The printed text is
 * kept as the heading's text; the label word and number are split off so consumers can match the
 * bare title (outlines and tables of contents often omit them).
 */

export interface HeadingLabel {
  /** Label word as printed ("Chapter", "File"), if any. */
  label?: string;
  /** Section number as printed without trailing punctuation ("3.2", "IV", "A"). */
  number?: string;
  /** What is left: the bare title (may be empty when the block is only a label). */
  title: string;
  /** Depth of a dotted decimal number (1.2.3 -> 3), 0 when there is none. */
  depth: number;
}

/** Words that introduce a numbered unit in the languages seen in documents (chapter, part, file, ...). */
const LABEL_WORDS =
  'chapter|part|section|appendix|annex|book|lecture|lesson|unit|file|package|class|module|article|exhibit|' +
  'kapitel|teil|abschnitt|anhang|chapitre|partie|annexe|capítulo|capitulo|parte|apéndice|capitolo|' +
  'глава|раздел|часть|приложение|розділ|частина|додаток';
const LABEL = new RegExp(`^(${LABEL_WORDS})\\s+([\\p{N}]+(?:[.\\-–][\\p{N}]+)*|[IVXLCDM]+|[A-Z])\\b[.:]?\\s*`, 'iu');
/** "3", "3.2", "3.2.1.", "A.1", "IV." at the start, followed by a space. */
const NUMBER = /^((?:\d{1,3}|[A-Z])(?:\.\d{1,3})+|\d{1,3}|[IVXLC]{1,6})[.)]?(?=\s|$)\s*/u;
/** CJK chapter counters: 第一章, 第3节. */
const CJK = /^(第[\p{N}一二三四五六七八九十百零〇]+[章节節篇部回])\s*/u;

function depthOf(n: string): number {
  return /^(?:\d{1,3}|[A-Z])(?:\.\d{1,3})*$/.test(n) ? n.split('.').length : 0;
}

/** Split a printed heading into label, number and title. */
export function splitLabel(text: string): HeadingLabel {
  const t = text.replace(/\s+/g, ' ').trim();
  const labelled = LABEL.exec(t);
  if (labelled) {
    const number = labelled[2]!;
    // "Chapter 3" counts as a top-level unit regardless of how it is numbered.
    return { label: labelled[1]!, number, title: t.slice(labelled[0].length).trim(), depth: /^\d+$/.test(number) ? 1 : depthOf(number) };
  }
  const cjk = CJK.exec(t);
  if (cjk) return { number: cjk[1]!, title: t.slice(cjk[0].length).trim(), depth: 1 };
  const num = NUMBER.exec(t);
  // A lone roman numeral or capital letter only counts when punctuated or alone ("I." / "A"), not "I think".
  if (num && (num[1]!.includes('.') || /^\d/.test(num[1]!) || /[.)]/.test(num[0]) || num[0].trim() === t)) {
    const number = num[1]!;
    return { number, title: t.slice(num[0].length).trim(), depth: depthOf(number) };
  }
  return { title: t, depth: 0 };
}

/** True when the text is nothing but a label and/or number ("Chapter 1", "3.1.2", "Part IV"). */
export function isLabelOnly(text: string): boolean {
  const s = splitLabel(text);
  return s.number !== undefined && s.title === '';
}
