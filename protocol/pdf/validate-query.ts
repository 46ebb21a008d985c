import { Type, type Static } from '@sinclair/typebox';

export const PDF_VALIDATE_SCHEMA_ID = 'pdf.validate@1';
export const PDF_VALIDATE_RESULT_SCHEMA_ID = 'pdf.validate.result@1';

/** Body of `pdf.validate@1`: would the answering module accept this document? Nothing is stored. */
export const PdfValidateQuery = Type.Object(
  {
    document: Type.Unknown({ description: 'a pdf.document' }),
    requirementsVersion: Type.Optional(Type.String({ description: 'the requirements version it was converted for; must be compatible with the module\'s' })),
  },
  { $id: PDF_VALIDATE_SCHEMA_ID },
);
export type PdfValidateQuery = Static<typeof PdfValidateQuery>;

/** Body of `pdf.validate.result@1`: the validation report; an invalid document is an answer, not an error. */
export const PdfValidateResult = Type.Object(
  {
    valid: Type.Boolean(),
    against: Type.String({ description: 'requirements version validated against' }),
    errors: Type.Array(Type.Object({ path: Type.String(), message: Type.String(), hint: Type.String() })),
  },
  { $id: PDF_VALIDATE_RESULT_SCHEMA_ID },
);
export type PdfValidateResult = Static<typeof PdfValidateResult>;
