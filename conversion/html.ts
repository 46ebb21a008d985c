import { DomUtils, parseDocument } from 'htmlparser2';

/**
 * Just enough HTML handling for marker's block html: text content, heading levels and simple
 * tables. htmlparser2 does the parsing (attributes with `>` in quotes, every named entity,
 * unclosed tags), so this file only decides which elements break lines and cells.
 */

type DomNode = ReturnType<typeof parseDocument>['children'][number];

/** Elements whose end starts a new line of text, as a browser's block layout would. */
const LINE_ENDS = new Set(['p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const CELLS = new Set(['td', 'th']);
const HEADING = /^h([1-6])$/;

function appendText(nodes: readonly DomNode[], out: string[]): void {
  for (const node of nodes) {
    if (DomUtils.isText(node)) {
      out.push(node.data);
    } else if (DomUtils.isTag(node)) {
      if (node.name === 'br') {
        out.push('\n');
        continue;
      }
      if (node.name === 'table') out.push('\n'); // a table never continues the line before it
      appendText(node.children, out);
      if (LINE_ENDS.has(node.name)) out.push('\n');
      else if (CELLS.has(node.name)) out.push('\t');
    } else if (DomUtils.hasChildren(node)) {
      appendText(node.children, out);
    }
  }
}

/** Lines of text with runs of spaces collapsed and blank lines dropped; a no-break space counts as a space. */
function textOf(nodes: readonly DomNode[]): string {
  const out: string[] = [];
  appendText(nodes, out);
  return out
    .join('')
    .split('\n')
    .map((l) => l.replace(/[ \t\r\f\v\u00a0]+/g, ' ').trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

function parse(html: string): DomNode[] {
  return parseDocument(html, { lowerCaseTags: true, lowerCaseAttributeNames: true }).children;
}

export function htmlToText(html: string): string {
  return textOf(parse(html));
}

/** The level of the first h1..h6 element, if any. */
export function headingLevelOf(html: string): number | undefined {
  const heading = DomUtils.findOne((el) => HEADING.test(el.name), parse(html), true);
  return heading ? Number(HEADING.exec(heading.name)![1]) : undefined;
}

export interface HtmlTableCell {
  row: number;
  col: number;
  rowSpan?: number;
  colSpan?: number;
  text: string;
  header?: boolean;
}

const MAX_COLSPAN = 1000;

function spanOf(value: string | undefined): number {
  const n = Number(/^\s*(\d+)/.exec(value ?? '')?.[1] ?? 1);
  return Math.max(1, n);
}

/**
 * Parses `<tr><td colspan=..>` tables; spans are honoured so later cells land in the right column.
 * Rows of a table nested inside a cell stay that cell's text rather than becoming rows.
 */
export function parseHtmlTable(html: string): { rows: number; cols: number; cells: HtmlTableCell[] } {
  const trs = DomUtils.findAll((el) => el.name === 'tr' && !insideCell(el), parse(html));
  const cells: HtmlTableCell[] = [];
  const taken = new Set<string>();
  let cols = 0;
  trs.forEach((tr, row) => {
    let col = 0;
    for (const td of tr.children) {
      if (!DomUtils.isTag(td) || !CELLS.has(td.name)) continue;
      while (taken.has(`${row}:${col}`)) col++;
      // Spans come from input: cap them (HTML caps colspan at 1000; a row span past the last row
      // means nothing), or colspan=1e9 rowspan=1e9 would mark 1e18 cells and hang.
      const colSpan = Math.min(MAX_COLSPAN, spanOf(td.attribs['colspan']));
      const rowSpan = Math.min(trs.length - row, spanOf(td.attribs['rowspan']));
      for (let r = 0; r < rowSpan; r++) for (let c = 0; c < colSpan; c++) taken.add(`${row + r}:${col + c}`);
      const cell: HtmlTableCell = { row, col, text: textOf(td.children).replace(/\n/g, ' ') };
      if (colSpan > 1) cell.colSpan = colSpan;
      if (rowSpan > 1) cell.rowSpan = rowSpan;
      if (td.name === 'th') cell.header = true;
      cells.push(cell);
      col += colSpan;
      cols = Math.max(cols, col);
    }
  });
  const rows = cells.reduce((m, c) => Math.max(m, c.row + (c.rowSpan ?? 1)), trs.length);
  return { rows, cols, cells };
}

/** A row of a table nested in a cell belongs to that cell's text, not to the outer table. */
function insideCell(node: DomNode): boolean {
  for (let up = node.parent; up; up = up.parent) if (DomUtils.isTag(up) && CELLS.has(up.name)) return true;
  return false;
}
