import type { Argv } from 'yargs';
import { embeddingSpecFromEnv, parseEmbeddingSpec, type EmbeddingProviderConfig } from '../embeddings/index.ts';

/** `--embeddings API:URL?model=NAME`, for the commands that run arangodb. */
export function withEmbeddings<T>(y: Argv<T>) {
  return y.option('embeddings', {
    type: 'string',
    describe: 'arangodb embedding provider, e.g. ollama:http://127.0.0.1:11434?model=all-minilm, openai:https://api.openai.com/v1?model=M, tei:http://127.0.0.1:8080 (default COMMS_EMBEDDINGS; docs/embeddings.md)',
  });
}

/** The provider named by the flag, else by COMMS_EMBEDDINGS; undefined = none (ingest writes no embeddings, and says so). */
export function embeddingsConfig(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): EmbeddingProviderConfig | undefined {
  return flag ? parseEmbeddingSpec(flag, env) : embeddingSpecFromEnv(env);
}
