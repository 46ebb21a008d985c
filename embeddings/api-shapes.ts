import type { EmbeddingApi, EmbeddingProviderConfig } from './provider-config.ts';

/** One API's request and the vectors read back from its answer (undefined = the answer has not that shape). */
interface ApiShape {
  path: string;
  body(model: string, texts: string[]): unknown;
  vectors(answer: unknown): unknown[] | undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** OpenAI-compatible: `{data: [{index, embedding}]}`, sorted by index since the order is not promised. */
function openAiVectors(answer: unknown): unknown[] | undefined {
  if (!isObject(answer) || !Array.isArray(answer['data'])) return undefined;
  const items = answer['data'] as unknown[];
  if (!items.every((d) => isObject(d) && typeof d['index'] === 'number')) return undefined;
  return [...(items as Array<Record<string, unknown>>)].sort((a, b) => (a['index'] as number) - (b['index'] as number)).map((d) => d['embedding']);
}

export const API_SHAPES: Record<EmbeddingApi, ApiShape> = {
  openai: {
    path: '/embeddings',
    body: (model, texts) => ({ model, input: texts, encoding_format: 'float' }),
    vectors: openAiVectors,
  },
  ollama: {
    path: '/api/embed',
    body: (model, texts) => ({ model, input: texts, truncate: true }),
    vectors: (answer) => (isObject(answer) && Array.isArray(answer['embeddings']) ? (answer['embeddings'] as unknown[]) : undefined),
  },
  tei: {
    path: '/embed',
    // The client normalises itself (checkVectors), so the server's choice does not matter; truncate to the model's limit.
    body: (_model, texts) => ({ inputs: texts, truncate: true }),
    vectors: (answer) => (Array.isArray(answer) ? answer : undefined),
  },
};

export function endpointOf(config: Pick<EmbeddingProviderConfig, 'api' | 'url'>): string {
  return `${config.url}${API_SHAPES[config.api].path}`;
}
