/** Just enough HTML handling for marker's block html: text content and simple tables. */

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

export function htmlToText(html: string): string {
  const withBreaks = html.replace(/<(br|\/p|\/div|\/li|\/tr|\/h[1-6])\b[^>]*>/gi, '\n').replace(/<\/t[dh]>/gi, '\t');
  return decodeEntities(withBreaks.replace(/<[^>]*>/g, ''))
    .split('\n')
    .map((l) => l.replace(/[ \t\r\f\v]+/g, ' ').trim())
    .filter((l) => l.length > 0)
    .join('\n');
}

export function headingLevelOf(html: string): number | undefined {
  const m = /<h([1-6])\b/i.exec(html);
  return m ? Number(m[1]) : undefined;
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

/** Parses `<tr><td colspan=..>` tables; spans are honoured so later cells land in the right column. */
export function parseHtmlTable(html: string): { rows: number; cols: number; cells: HtmlTableCell[] } {
  const cells: HtmlTableCell[] = [];
  const taken = new Set<string>();
  let row = 0;
  let cols = 0;
  const trs = [...html.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/gi)];
  for (const tr of trs) {
    let col = 0;
    for (const td of tr[1]!.matchAll(/<(t[dh])\b([^>]*)>([\s\S]*?)<\/t[dh]>/gi)) {
      while (taken.has(`${row}:${col}`)) col++;
      const attrs = td[2] ?? '';
      // Spans come from input: cap them (HTML caps colspan at 1000; a row span past the last row
      // means nothing), or colspan=1e9 rowspan=1e9 would mark 1e18 cells and hang.
      const colSpan = Math.min(MAX_COLSPAN, Math.max(1, Number(/colspan\s*=\s*["']?(\d+)/i.exec(attrs)?.[1] ?? 1)));
      const rowSpan = Math.min(trs.length - row, Math.max(1, Number(/rowspan\s*=\s*["']?(\d+)/i.exec(attrs)?.[1] ?? 1)));
      for (let r = 0; r < rowSpan; r++) for (let c = 0; c < colSpan; c++) taken.add(`${row + r}:${col + c}`);
      const cell: HtmlTableCell = { row, col, text: htmlToText(td[3] ?? '').replace(/\n/g, ' ') };
      if (colSpan > 1) cell.colSpan = colSpan;
      if (rowSpan > 1) cell.rowSpan = rowSpan;
      if (td[1]!.toLowerCase() === 'th') cell.header = true;
      cells.push(cell);
      col += colSpan;
      cols = Math.max(cols, col);
    }
    row++;
  }
  const rows = cells.reduce((m, c) => Math.max(m, c.row + (c.rowSpan ?? 1)), row);
  return { rows, cols, cells };
}
