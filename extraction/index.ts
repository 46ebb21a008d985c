/** PDF extraction with pdf.js into the `pdf.document` exchange format. */
export { extractPdf, type ExtractOptions, type ExtractProgress } from './extract.ts';
