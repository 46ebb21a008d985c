import { CommsError } from '../protocol/index.ts';

/**
 * Check what a provider answered: one vector per text, each of `dimensions` finite numbers and not
 * all zero; with `normalize` (the requirements' `normalize: true`) scale each to unit length,
 * whatever the server did, so cosine equals the dot product for every consumer.
 */
export function checkVectors(raw: unknown[], expected: { count: number; dimensions: number; normalize: boolean }, source: string): number[][] {
  const { count, dimensions } = expected;
  if (raw.length !== count) {
    throw new CommsError('E_EMBEDDING_FAILED', `${source} answered ${raw.length} vector(s) for ${count} text(s); check that the server is an embedding endpoint.`, { expected: count, got: raw.length });
  }
  return raw.map((vector, i) => {
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new CommsError('E_EMBEDDING_FAILED', `${source} answered a vector #${i} that is not an array of finite numbers.`, { index: i });
    }
    if (vector.length !== dimensions) {
      throw new CommsError(
        'E_EMBEDDING_FAILED',
        `${source} answered ${vector.length}-dimensional vectors, but the requirements advertise ${dimensions}; configure a ${dimensions}-dimensional model (e.g. all-MiniLM-L6-v2 / ollama all-minilm).`,
        { expected: dimensions, got: vector.length },
      );
    }
    return expected.normalize ? normalize(vector as number[], source, i) : (vector as number[]);
  });
}

function normalize(vector: number[], source: string, index: number): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  if (norm === 0) throw new CommsError('E_EMBEDDING_FAILED', `${source} answered an all-zero vector #${index}, which has no direction to normalise.`, { index });
  return vector.map((x) => x / norm);
}
