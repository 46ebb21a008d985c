/** The PDF exchange protocol: requirements, the document format, validation, versions. Converting documents to it lives in conversion/. */
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
} from './document.ts';
export {
  PdfRequirementsQuery,
  PdfRequirements,
  EmbeddingSpec,
  DOCUMENT_KINDS,
  KNOWN_FIELDS,
  NO_EMBEDDING_PROVIDER_REASON,
  type EmbeddingIngester,
  PDF_REQUIREMENTS_QUERY_SCHEMA_ID,
  PDF_REQUIREMENTS_SCHEMA_ID,
  buildPdfRequirements,
} from './requirements.ts';
export {
  DocumentIngest,
  DocumentIngestResult,
  DOCUMENT_INGEST_SCHEMA_ID,
  DOCUMENT_INGEST_RESULT_SCHEMA_ID,
} from './ingest.ts';
export { validatePdfFormat, type PdfFormatError, type PdfFormatReport } from './validate.ts';
export {
  PdfConvert,
  PdfConvertResult,
  PDF_CONVERT_SCHEMA_ID,
  PDF_CONVERT_RESULT_SCHEMA_ID,
  PDF_CONVERT_MAX_BODY_BYTES,
} from './convert-query.ts';
export { DocumentEmbed, DocumentEmbedResult, DOCUMENT_EMBED_SCHEMA_ID, DOCUMENT_EMBED_RESULT_SCHEMA_ID } from './embed-query.ts';
export { PdfExampleQuery, PdfExampleResult, PDF_EXAMPLE_SCHEMA_ID, PDF_EXAMPLE_RESULT_SCHEMA_ID } from './example-query.ts';
export { PdfValidateQuery, PdfValidateResult, PDF_VALIDATE_SCHEMA_ID, PDF_VALIDATE_RESULT_SCHEMA_ID } from './validate-query.ts';
export {
  PdfCompatibilityCheck,
  PdfCompatibilityResult,
  CompatibilityFinding,
  COMPATIBILITY_FINDING_STATUSES,
  PDF_COMPATIBILITY_CHECK_SCHEMA_ID,
  PDF_COMPATIBILITY_RESULT_SCHEMA_ID,
} from './compatibility-check.ts';
export { PDF_SCHEMAS } from './schemas.ts';
