import type { TSchema } from '@sinclair/typebox';
import {
  PDF_COMPATIBILITY_CHECK_SCHEMA_ID,
  PDF_COMPATIBILITY_RESULT_SCHEMA_ID,
  PdfCompatibilityCheck,
  PdfCompatibilityResult,
} from './compatibility-check.ts';
import { PDF_CONVERT_RESULT_SCHEMA_ID, PDF_CONVERT_SCHEMA_ID, PdfConvert, PdfConvertResult } from './convert-query.ts';
import { DOCUMENT_INGEST_RESULT_SCHEMA_ID, DOCUMENT_INGEST_SCHEMA_ID, DocumentIngest, DocumentIngestResult } from './ingest.ts';
import { DOCUMENT_EMBED_RESULT_SCHEMA_ID, DOCUMENT_EMBED_SCHEMA_ID, DocumentEmbed, DocumentEmbedResult } from './embed-query.ts';
import { PDF_EXAMPLE_RESULT_SCHEMA_ID, PDF_EXAMPLE_SCHEMA_ID, PdfExampleQuery, PdfExampleResult } from './example-query.ts';
import { PDF_VALIDATE_RESULT_SCHEMA_ID, PDF_VALIDATE_SCHEMA_ID, PdfValidateQuery, PdfValidateResult } from './validate-query.ts';
import { PDF_REQUIREMENTS_QUERY_SCHEMA_ID, PDF_REQUIREMENTS_SCHEMA_ID, PdfRequirements, PdfRequirementsQuery } from './requirements.ts';

/** The PDF exchange's bodies on the bus, by schema id (part of ALL_SCHEMAS). */
export const PDF_SCHEMAS: Record<string, TSchema> = {
  [PDF_REQUIREMENTS_QUERY_SCHEMA_ID]: PdfRequirementsQuery,
  [PDF_REQUIREMENTS_SCHEMA_ID]: PdfRequirements,
  [DOCUMENT_INGEST_SCHEMA_ID]: DocumentIngest,
  [DOCUMENT_INGEST_RESULT_SCHEMA_ID]: DocumentIngestResult,
  [PDF_CONVERT_SCHEMA_ID]: PdfConvert,
  [PDF_CONVERT_RESULT_SCHEMA_ID]: PdfConvertResult,
  [DOCUMENT_EMBED_SCHEMA_ID]: DocumentEmbed,
  [DOCUMENT_EMBED_RESULT_SCHEMA_ID]: DocumentEmbedResult,
  [PDF_VALIDATE_SCHEMA_ID]: PdfValidateQuery,
  [PDF_VALIDATE_RESULT_SCHEMA_ID]: PdfValidateResult,
  [PDF_EXAMPLE_SCHEMA_ID]: PdfExampleQuery,
  [PDF_EXAMPLE_RESULT_SCHEMA_ID]: PdfExampleResult,
  [PDF_COMPATIBILITY_CHECK_SCHEMA_ID]: PdfCompatibilityCheck,
  [PDF_COMPATIBILITY_RESULT_SCHEMA_ID]: PdfCompatibilityResult,
};
