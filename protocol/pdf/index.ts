/** The PDF exchange protocol: requirements, the document format, validation, conversion, versions. */
export {
  PDF_REQUIREMENTS_VERSION,
  PDF_REQUIREMENTS_MAJOR,
  isCompatibleVersion,
  parseVersion,
  majorOf,
  type SemVer,
} from './version.ts';
export {
  PdfDocument,
  Block,
  Section,
  TableCell,
  BBox,
  BlockId,
  SectionId,
  PdfMetadata,
  PdfSource,
  PdfPage,
  OutlineEntry,
  BLOCK_TYPES,
  BLOCK_SCHEMAS,
  BLOCK_ID_PATTERN,
  SECTION_ID_PATTERN,
  type BlockType,
  type BlockOf,
  type BlockT,
  type BBoxT,
  type SectionT,
  type TableCellT,
  type PdfMetadataT,
  type PdfPageT,
  type OutlineEntryT,
  type PdfDocumentT,
} from './document.ts';
export {
  PdfRequirementsQuery,
  PdfRequirements,
  EmbeddingSpec,
  DOCUMENT_KINDS,
  KNOWN_FIELDS,
  PDF_REQUIREMENTS_QUERY_SCHEMA_ID,
  PDF_REQUIREMENTS_SCHEMA_ID,
  buildPdfRequirements,
  type PdfRequirementsQueryBody,
  type PdfRequirementsBody,
  type EmbeddingSpecT,
} from './requirements.ts';
export {
  DocumentIngest,
  DocumentIngestResult,
  COLLECTION_NAMES,
  DOCUMENT_INGEST_SCHEMA_ID,
  DOCUMENT_INGEST_RESULT_SCHEMA_ID,
  type CollectionName,
  type DocumentIngestBody,
  type DocumentIngestResultBody,
} from './ingest.ts';
export { validatePdfFormat, type PdfFormatError, type PdfFormatReport } from './validate.ts';
export { convertToRequiredFormat, type ConvertOverrides } from './convert.ts';
export { buildSections } from './sections.ts';
export { toIsoDate } from './dates.ts';
export {
  PdfConvert,
  PdfConvertResult,
  PDF_CONVERT_SCHEMA_ID,
  PDF_CONVERT_RESULT_SCHEMA_ID,
  type PdfConvertBody,
  type PdfConvertResultBody,
} from './convert-query.ts';
