import { defineQuery } from '../runtime/index.ts';
import { CommsError } from '../../protocol/index.ts';
import {
  buildPdfRequirements,
  isCompatibleVersion,
  PDF_EXAMPLE_RESULT_SCHEMA_ID,
  PDF_EXAMPLE_SCHEMA_ID,
  PDF_REQUIREMENTS_QUERY_SCHEMA_ID,
  PDF_VALIDATE_RESULT_SCHEMA_ID,
  PDF_VALIDATE_SCHEMA_ID,
  PdfExampleQuery,
  PdfExampleResult,
  PdfValidateQuery,
  PdfValidateResult,
  validatePdfFormat,
} from '../../protocol/pdf/index.ts';
import { exampleDocument } from './example-document.ts';

/** `pdf.validate@1`: check a document against this module's requirements without storing it. */
export function pdfValidateQuery() {
  return defineQuery({
    schema: PDF_VALIDATE_SCHEMA_ID,
    description: 'Check a pdf.document against the requirements this module ingests; answers the report (every offending path with a hint), stores nothing.',
    request: PdfValidateQuery,
    responseSchemaId: PDF_VALIDATE_RESULT_SCHEMA_ID,
    response: PdfValidateResult,
    // A whole converted document, as document.ingest@1.
    maxBodyBytes: 12 * 1024 * 1024,
    maxStringBytes: 1024 * 1024,
    handle: async (body) => {
      const requirements = buildPdfRequirements();
      if (body.requirementsVersion !== undefined && !isCompatibleVersion(body.requirementsVersion, requirements.version)) {
        throw new CommsError('E_VERSION_UNSUPPORTED', `the document was converted for requirements ${body.requirementsVersion}, but this module validates against ${requirements.version}; ask ${PDF_REQUIREMENTS_QUERY_SCHEMA_ID} again and convert for that version.`, {
          supported: [requirements.version],
          asked: body.requirementsVersion,
        });
      }
      const report = validatePdfFormat(body.document, requirements);
      return { valid: report.valid, against: requirements.version, errors: report.errors };
    },
  });
}

/** `pdf.example@1`: a minimal document made from this module's requirements, validated before it is answered. */
export function pdfExampleQuery() {
  return defineQuery({
    schema: PDF_EXAMPLE_SCHEMA_ID,
    description: 'A minimal valid pdf.document generated from the requirements this module ingests (one block per asked block type), validated before it is sent.',
    request: PdfExampleQuery,
    responseSchemaId: PDF_EXAMPLE_RESULT_SCHEMA_ID,
    response: PdfExampleResult,
    handle: async (body) => {
      const requirements = buildPdfRequirements();
      const document = exampleDocument(requirements, body);
      const report = validatePdfFormat(document, requirements);
      if (!report.valid) {
        throw new CommsError('E_HANDLER_FAILED', `the generated example breaks requirements ${requirements.version}: ${report.errors[0]?.path} ${report.errors[0]?.message}`, { errors: report.errors });
      }
      return { requirementsVersion: requirements.version, document, validation: { valid: true as const, against: requirements.version } };
    },
  });
}
