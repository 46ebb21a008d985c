/** Internal shapes shared by the extraction steps (not exported from the folder). */

/** A run of text on one line with no large gap, in the line's own (unrotated) frame. */
export interface Segment {
  text: string;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Baseline y. */
  base: number;
  size: number;
  bold: boolean;
  mono: boolean;
  /** Share of characters set in a math font. */
  math: number;
  line: number;
}

export type LayoutKind = 'text' | 'table' | 'figure';

/** A block after page layout, before document-wide classification. Coordinates are display space. */
export interface LaidBlock {
  kind: LayoutKind;
  page: number;
  bbox: [number, number, number, number];
  text: string;
  /** Lines of text, for list splitting and heading checks. */
  lines: string[];
  size: number;
  bold: boolean;
  mono: boolean;
  math: number;
  table?: { rows: number; cols: number; cells: Array<{ row: number; col: number; text: string; bbox: [number, number, number, number] }> };
  imageCount?: number;
  /** Offsets in `text` where a line-break hyphen was dropped; settled for the whole document by hyphenation.ts, then removed. */
  hyphenDrops?: number[];
}

export interface PageLayout {
  index: number;
  width: number;
  height: number;
  rotation: number;
  textChars: number;
  imageCount: number;
  blocks: LaidBlock[];
  /** Notes on repaired or undecodable text, copied to the page record. */
  quality?: string[];
}

export interface FontStyle {
  bold: boolean;
  mono: boolean;
  math: boolean;
}

/** A block taken as a heading: its level, and the printed number/label set apart from the title. */
export interface HeadingInfo {
  level: number;
  number?: string;
  label?: string;
  title?: string;
}
