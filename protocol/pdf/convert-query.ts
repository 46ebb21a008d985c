import { Type, type Static } from '@sinclair/typebox';
import { IDENTIFIER_PATTERN } from '../identifiers.ts';
import { DocumentIngestResult } from './ingest.ts';
import { EmbeddingSpec } from './requirements.ts';

export const PDF_CONVERT_SCHEMA_ID = 'pdf.convert@1';
export const PDF_CONVERT_RESULT_SCHEMA_ID = 'pdf.convert.result@1';

/**
 * Body of `pdf.convert@1`: convert one PDF for a receiver, in the format that receiver asks for. The
 * PDF is exactly one of `path`, `content` or `url` (checked by marker; docs/security.md, File access by policy).
 */
export const PdfConvert = Type.Object(
  {
    path: Type.Optional(Type.String({ minLength: 1, description: "PDF file path under one of marker's input folders (comms up --inputs DIR); one of path, content, url" })),
    content: Type.Optional(Type.String({ minLength: 1, contentEncoding: 'base64', description: 'the PDF bytes, base64 (the request is limited to 12 MiB, so PDFs up to about 9 MiB); one of path, content, url' })),
    filename: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'name for a PDF sent as content, in messages and metadata' })),
    url: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL marker fetches the PDF from (size-capped, with a timeout); one of path, content, url' })),
    password: Type.Optional(Type.String({ description: 'user password of an encrypted PDF' })),
    target: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'module whose requirements to follow and that ingests the result; default arangodb' })),
    ingest: Type.Optional(Type.Boolean({ description: 'send document.ingest@1 to the target after validating; default true' })),
    maxPages: Type.Optional(Type.Integer({ minimum: 1, description: 'extract only the first N pages' })),
    returnDocument: Type.Optional(Type.Boolean({ description: 'put the converted pdf.document in the reply (`converted`), for workflows whose later steps validate or ingest it' })),
  },
  { $id: PDF_CONVERT_SCHEMA_ID },
);
export type PdfConvert = Static<typeof PdfConvert>;

/** pdf.convert@1 requests may carry a PDF as base64 `content`: more than the 256 KiB default, still under the 16 MiB packet limit. */
export const PDF_CONVERT_MAX_BODY_BYTES = 12 * 1024 * 1024;

const Count = Type.Integer({ minimum: 0 });

/** Same properties as document.ingest.result@1 without its $id, so it nests cleanly. */
const IngestResult = Type.Object(DocumentIngestResult.properties);

/** Body of `pdf.convert.result@1`. */
export const PdfConvertResult = Type.Object(
  {
    target: Type.String(),
    requirements: Type.Object({
      schemaId: Type.String(),
      version: Type.String(),
      blockTypes: Type.Array(Type.String()),
      documentKinds: Type.Array(Type.String()),
      embedding: EmbeddingSpec,
    }),
    validation: Type.Object({
      valid: Type.Boolean(),
      /** Requirements version the document was validated against. */
      against: Type.String(),
      errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String(), hint: Type.String() })),
    }),
    document: Type.Object({
      kind: Type.String(),
      title: Type.Optional(Type.String()),
      sha256: Type.Optional(Type.String()),
      pageCount: Count,
      pagesExtracted: Count,
      needsOcrPages: Type.Array(Count),
    }),
    counts: Type.Object({
      sections: Count,
      blocks: Count,
      blocksByType: Type.Record(Type.String(), Count),
    }),
    ingest: Type.Optional(IngestResult),
    converted: Type.Optional(Type.Unknown({ description: 'the pdf.document, when the request set returnDocument' })),
    timingsMs: Type.Object({ requirements: Count, extract: Count, validate: Count, ingest: Count }),
  },
  { $id: PDF_CONVERT_RESULT_SCHEMA_ID },
);
export type PdfConvertResult = Static<typeof PdfConvertResult>;
