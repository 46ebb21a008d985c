import { Type, type Static } from '@sinclair/typebox';
import { PDF_REQUIREMENTS_QUERY_SCHEMA_ID, PDF_REQUIREMENTS_SCHEMA_ID } from './requirements.ts';

export const DOCUMENT_INGEST_SCHEMA_ID = 'document.ingest@1';
export const DOCUMENT_INGEST_RESULT_SCHEMA_ID = 'document.ingest.result@1';

/**
 * Body of `document.ingest@1`: a document in the format the receiver's requirements describe. The
 * document is left open on the wire on purpose: its format is what `pdf.requirements@1` describes
 * (versioned, in its jsonSchema), and the receiver checks it with validatePdfFormat, which answers
 * E_DOCUMENT_INVALID naming every offending path with a hint; a generic E_SCHEMA_INVALID could not.
 */
export const DocumentIngest = Type.Object(
  {
    requirementsVersion: Type.String({ description: 'version of the pdf.requirements the document was converted for' }),
    document: Type.Unknown({ description: `a pdf.document as described by ${PDF_REQUIREMENTS_SCHEMA_ID} (ask ${PDF_REQUIREMENTS_QUERY_SCHEMA_ID})` }),
  },
  { $id: DOCUMENT_INGEST_SCHEMA_ID },
);
export type DocumentIngest = Static<typeof DocumentIngest>;

const Count = Type.Integer({ minimum: 0 });

/** Body of `document.ingest.result@1`. */
export const DocumentIngestResult = Type.Object(
  {
    documentKey: Type.String(),
    requirementsVersion: Type.String(),
    counts: Type.Object({
      documents: Count,
      sections: Count,
      blocks: Count,
      contains: Count,
      next: Count,
      references: Count,
    }),
    outputs: Type.Record(Type.String(), Type.String(), { description: 'collection -> JSONL file path' }),
    arango: Type.Object({
      written: Type.Boolean(),
      url: Type.Optional(Type.String()),
      database: Type.Optional(Type.String()),
    }),
    embeddings: Type.Object(
      {
        written: Type.Integer({ minimum: 0, description: 'records that got an embedding vector' }),
        model: Type.Optional(Type.String({ description: 'the model that computed them, when a provider is configured' })),
        reason: Type.Optional(Type.String({ description: 'why none were written, when written is 0' })),
      },
      { description: 'what the ingester did about the embedding the requirements describe' },
    ),
    warnings: Type.Optional(Type.Array(Type.String())),
  },
  { $id: DOCUMENT_INGEST_RESULT_SCHEMA_ID },
);
export type DocumentIngestResult = Static<typeof DocumentIngestResult>;
