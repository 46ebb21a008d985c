import { Type, type Static } from '@sinclair/typebox';
import { PDF_REQUIREMENTS_QUERY_SCHEMA_ID } from './requirements.ts';

export const PDF_EXAMPLE_SCHEMA_ID = 'pdf.example@1';
export const PDF_EXAMPLE_RESULT_SCHEMA_ID = 'pdf.example.result@1';

/** Body of `pdf.example@1`: ask a consumer for a minimal document it would accept. */
export const PdfExampleQuery = Type.Object(
  {
    kind: Type.Optional(Type.String({ description: 'document kind of the example, one of the requirements documentKinds; default document' })),
    blockTypes: Type.Optional(Type.Array(Type.String(), { description: 'block types the example shows (one block each); default Text only' })),
  },
  { $id: PDF_EXAMPLE_SCHEMA_ID, additionalProperties: false },
);
export type PdfExampleQuery = Static<typeof PdfExampleQuery>;

/**
 * Body of `pdf.example.result@1`: a minimal pdf.document generated from the answering module's own
 * requirements (the ones `${PDF_REQUIREMENTS_QUERY_SCHEMA_ID}` returns), validated before it is sent.
 */
export const PdfExampleResult = Type.Object(
  {
    requirementsVersion: Type.String(),
    document: Type.Unknown({ description: 'a pdf.document that passes validatePdfFormat against those requirements' }),
    validation: Type.Object({ valid: Type.Literal(true), against: Type.String() }),
  },
  { $id: PDF_EXAMPLE_RESULT_SCHEMA_ID },
);
export type PdfExampleResult = Static<typeof PdfExampleResult>;
