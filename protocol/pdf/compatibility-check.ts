import { Type, type Static } from '@sinclair/typebox';
import { IDENTIFIER_PATTERN } from '../identifiers.ts';
import { literalUnion } from '../literal-union.ts';
import { PdfRequirements } from './requirements.ts';

export const PDF_COMPATIBILITY_CHECK_SCHEMA_ID = 'pdf.compatibility.check@1';
export const PDF_COMPATIBILITY_RESULT_SCHEMA_ID = 'pdf.compatibility.result@1';

/** Same properties as pdf.requirements@1 without its $id, so it nests cleanly. */
const InlineRequirements = Type.Object(PdfRequirements.properties);

/**
 * Body of `pdf.compatibility.check@1` (answered by the `advisor` module): does this document, or a
 * producer written for this requirements version, fit that consumer? At least one of `document`
 * and `requirementsVersion` is given (the advisor answers E_SCHEMA_INVALID otherwise). The
 * consumer's requirements are asked of the consumer over the bus unless `requirements` carries them.
 */
export const PdfCompatibilityCheck = Type.Object(
  {
    consumer: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'module whose requirements the document must fit; default arangodb' })),
    document: Type.Optional(Type.Unknown({ description: 'a pdf.document to check field by field against the consumer requirements' })),
    requirementsVersion: Type.Optional(
      Type.String({ minLength: 1, description: 'requirements version the producer writes for (default: the document formatVersion)' }),
    ),
    requirements: Type.Optional(InlineRequirements),
    question: Type.Optional(Type.String({ maxLength: 4000, description: 'a concern to address in the summary, e.g. "will tables survive?"' })),
  },
  { $id: PDF_COMPATIBILITY_CHECK_SCHEMA_ID },
);
export type PdfCompatibilityCheck = Static<typeof PdfCompatibilityCheck>;

export const COMPATIBILITY_FINDING_STATUSES = ['ok', 'missing', 'invalid', 'incompatible', 'warning'] as const;

export const CompatibilityFinding = Type.Object({
  field: Type.String({ description: 'dotted field path as in the requirements (blocks.bbox), or "version"' }),
  path: Type.Optional(Type.String({ description: 'JSON pointer into the document when the finding is about one value' })),
  status: literalUnion(COMPATIBILITY_FINDING_STATUSES, {
    description: 'ok: fits; missing/invalid: the document must change; incompatible: the versions cannot fit; warning: fits with a caveat',
  }),
  message: Type.String(),
  hint: Type.Optional(Type.String({ description: 'what to change to fix it' })),
});
export type CompatibilityFinding = Static<typeof CompatibilityFinding>;

/** Body of `pdf.compatibility.result@1`. */
export const PdfCompatibilityResult = Type.Object(
  {
    consumer: Type.String(),
    against: Type.String({ description: 'requirements version of the consumer the check used' }),
    compatible: Type.Boolean({ description: 'true when no finding is missing, invalid or incompatible' }),
    method: literalUnion(['rule-based', 'model'], {
      description: 'rule-based: validated by rules, no model was asked (offline); model: an LLM instance reviewed the rule findings',
    }),
    backend: Type.String({ description: 'instance backend that answered: offline, anthropic or claude-code' }),
    model: Type.Optional(Type.String()),
    summary: Type.String(),
    findings: Type.Array(CompatibilityFinding),
  },
  { $id: PDF_COMPATIBILITY_RESULT_SCHEMA_ID },
);
export type PdfCompatibilityResult = Static<typeof PdfCompatibilityResult>;
