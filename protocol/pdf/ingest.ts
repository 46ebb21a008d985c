import { Type, type Static } from '@sinclair/typebox';
import { PdfDocument } from './document.ts';

export const DOCUMENT_INGEST_SCHEMA_ID = 'document.ingest@1';
export const DOCUMENT_INGEST_RESULT_SCHEMA_ID = 'document.ingest.result@1';

/** Body of `document.ingest@1`: a document in the format the receiver's requirements describe. */
export const DocumentIngest = Type.Object(
  {
    requirementsVersion: Type.String({ description: 'version of the pdf.requirements the document was converted for' }),
    document: PdfDocument,
  },
  { $id: DOCUMENT_INGEST_SCHEMA_ID },
);
export type DocumentIngestBody = Static<typeof DocumentIngest>;

export const COLLECTION_NAMES = ['documents', 'sections', 'blocks', 'contains', 'next', 'references'] as const;
export type CollectionName = (typeof COLLECTION_NAMES)[number];

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
    warnings: Type.Optional(Type.Array(Type.String())),
  },
  { $id: DOCUMENT_INGEST_RESULT_SCHEMA_ID },
);
export type DocumentIngestResultBody = Static<typeof DocumentIngestResult>;
