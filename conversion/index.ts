/**
 * PDF-domain conversion: bringing marker JSON or an older/looser document to the format a
 * receiver's requirements describe. The contract itself (schemas, requirements, validation,
 * version rules) stays in protocol/pdf/.
 */
export { convertToRequiredFormat } from './convert.ts';
export type { ConvertOverrides } from './metadata.ts';
export { htmlToText, parseHtmlTable, type HtmlTableCell } from './html.ts';
export { buildSections } from './sections.ts';
export { toIsoDate } from './dates.ts';
