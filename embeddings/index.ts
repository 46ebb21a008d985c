/** Embedding providers over HTTP (OpenAI-compatible, Ollama, text-embeddings-inference): docs/embeddings.md. */
export { parseEmbeddingSpec, embeddingSpecFromEnv, EMBEDDING_APIS, DEFAULT_EMBEDDING_BATCH, DEFAULT_EMBEDDING_TIMEOUT_MS, type EmbeddingApi, type EmbeddingProviderConfig } from './provider-config.ts';
export { createEmbeddingProvider, type EmbeddingProvider } from './http-provider.ts';
export { embedRecords } from './embed-records.ts';
export { checkVectors } from './vectors.ts';
