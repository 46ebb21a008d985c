import { Type, type Static } from '@sinclair/typebox';

export const DOCUMENT_EMBED_SCHEMA_ID = 'document.embed@1';
export const DOCUMENT_EMBED_RESULT_SCHEMA_ID = 'document.embed.result@1';

/** Body of `document.embed@1`: add embeddings to a document ingested earlier (e.g. before a provider was configured). */
export const DocumentEmbed = Type.Object(
  {
    documentKey: Type.String({ minLength: 1, maxLength: 254, description: 'the documentKey of a document.ingest.result@1' }),
  },
  { $id: DOCUMENT_EMBED_SCHEMA_ID },
);
export type DocumentEmbed = Static<typeof DocumentEmbed>;

/** Body of `document.embed.result@1`. */
export const DocumentEmbedResult = Type.Object(
  {
    documentKey: Type.String(),
    written: Type.Integer({ minimum: 0, description: 'records that got an embedding vector' }),
    model: Type.String({ description: 'the model the provider was asked for' }),
    dimensions: Type.Integer({ minimum: 1 }),
    provider: Type.String({ description: 'API and endpoint, e.g. ollama http://127.0.0.1:11434/api/embed' }),
    outputs: Type.Record(Type.String(), Type.String(), { description: 'collection -> rewritten JSONL file path' }),
    arango: Type.Object({ written: Type.Boolean(), url: Type.Optional(Type.String()), database: Type.Optional(Type.String()) }),
  },
  { $id: DOCUMENT_EMBED_RESULT_SCHEMA_ID },
);
export type DocumentEmbedResult = Static<typeof DocumentEmbedResult>;
