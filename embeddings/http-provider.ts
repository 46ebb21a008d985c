import { CommsError } from '../protocol/index.ts';
import { buildPdfRequirements, type EmbeddingSpec } from '../protocol/pdf/index.ts';
import { API_SHAPES, endpointOf } from './api-shapes.ts';
import type { EmbeddingApi, EmbeddingProviderConfig } from './provider-config.ts';
import { checkVectors } from './vectors.ts';

/** Turns texts into unit vectors of `dimensions` numbers. */
export interface EmbeddingProvider {
  readonly api: EmbeddingApi;
  readonly model: string;
  readonly endpoint: string;
  readonly dimensions: number;
  /** One vector per text, checked and normalised; batches of `batchSize` texts per request. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

/**
 * An embedding provider over HTTP speaking one of the three APIs (docs/embeddings.md); vectors must
 * have the dimension the requirements advertise, and are normalised when they say so.
 */
export function createEmbeddingProvider(
  config: EmbeddingProviderConfig,
  expected: Pick<EmbeddingSpec, 'dimensions' | 'normalize'> = buildPdfRequirements().embedding,
): EmbeddingProvider {
  const { dimensions, normalize } = expected;
  const endpoint = endpointOf(config);
  const source = `embedding provider ${config.api} at ${endpoint}`;
  return {
    api: config.api,
    model: config.model,
    endpoint,
    dimensions,
    async embed(texts, signal) {
      const out: number[][] = [];
      for (let i = 0; i < texts.length; i += config.batchSize) {
        const batch = texts.slice(i, i + config.batchSize);
        const raw = await post(config, endpoint, batch, source, signal);
        out.push(...checkVectors(raw, { count: batch.length, dimensions, normalize }, source));
      }
      return out;
    },
  };
}

async function post(config: EmbeddingProviderConfig, endpoint: string, texts: string[], source: string, signal?: AbortSignal): Promise<unknown[]> {
  const shape = API_SHAPES[config.api];
  const timeout = AbortSignal.timeout(config.timeoutMs);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
      body: JSON.stringify(shape.body(config.model, texts)),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    throw requestFailure(err, source, config, signal);
  }
  const text = await response.text().catch(() => '');
  if (!response.ok) {
    throw new CommsError(
      'E_EMBEDDING_FAILED',
      `${source} answered HTTP ${response.status}: ${text.slice(0, 300)}${response.status === 401 || response.status === 403 ? ' (check the API key: OPENAI_API_KEY or the variable named by keyEnv)' : ''}`,
      { status: response.status, endpoint },
    );
  }
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new CommsError('E_EMBEDDING_FAILED', `${source} answered non-JSON: ${text.slice(0, 200)}`, { endpoint });
  }
  const vectors = shape.vectors(answer);
  if (!vectors) throw new CommsError('E_EMBEDDING_FAILED', `${source} answered JSON that is not a ${config.api} embedding response; check the API named before the URL.`, { endpoint });
  return vectors;
}

function requestFailure(err: unknown, source: string, config: EmbeddingProviderConfig, signal?: AbortSignal): CommsError {
  if (signal?.aborted) return new CommsError('E_CANCELED', `embedding was canceled`, undefined, { cause: err });
  const name = (err as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new CommsError('E_EMBEDDING_FAILED', `${source} did not answer within ${config.timeoutMs} ms; raise ?timeout=MS or check the server.`, { timeoutMs: config.timeoutMs }, { cause: err });
  }
  const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
  return new CommsError('E_EMBEDDING_FAILED', `${source} could not be reached: ${cause}; check the URL and that the server runs.`, undefined, { cause: err });
}
