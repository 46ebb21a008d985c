import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EmbeddingApiShape = 'openai' | 'ollama' | 'tei';
/** ok: real vectors; status: an HTTP error in the API's own error JSON; wrong-dimension: 768-dim vectors; hang: never answers. */
export type ServerBehaviour = 'ok' | 'status' | 'wrong-dimension' | 'hang';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface EmbeddingServer {
  /** Root URL (no trailing slash). */
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

const PATHS: Record<EmbeddingApiShape, string> = { openai: '/v1/embeddings', ollama: '/api/embed', tei: '/embed' };

/** A deterministic, deliberately un-normalised vector: the client must scale it to unit length. */
export function fakeVector(text: string, dimensions: number): number[] {
  let seed = 0;
  for (const ch of text) seed = (seed * 31 + ch.charCodeAt(0)) % 1000;
  return Array.from({ length: dimensions }, (_, j) => ((seed + j * 7) % 13) + 1);
}

function answer(api: EmbeddingApiShape, body: Record<string, unknown>, dimensions: number): unknown {
  const texts = (api === 'tei' ? body['inputs'] : body['input']) as string[];
  const vectors = texts.map((t) => fakeVector(t, dimensions));
  if (api === 'openai') {
    // Reversed on purpose: the API promises an index per item, not an order.
    const data = vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })).reverse();
    return { object: 'list', data, model: body['model'], usage: { prompt_tokens: texts.length, total_tokens: texts.length } };
  }
  if (api === 'ollama') return { model: body['model'], embeddings: vectors, total_duration: 1, load_duration: 0, prompt_eval_count: texts.length };
  return vectors;
}

const ERRORS: Record<EmbeddingApiShape, { status: number; body: unknown }> = {
  openai: { status: 401, body: { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } } },
  ollama: { status: 404, body: { error: 'model "all-minilm" not found, try pulling it first' } },
  tei: { status: 413, body: { error: 'batch size 64 > maximum allowed batch size 32', error_type: 'Validation' } },
};

/** A loopback HTTP server speaking one embedding API's real request/response JSON. */
export async function startEmbeddingServer(api: EmbeddingApiShape, behaviour: ServerBehaviour = 'ok'): Promise<EmbeddingServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (behaviour === 'hang') return;
      const send = (status: number, json: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (req.method !== 'POST' || req.url !== PATHS[api]) return send(404, { error: `no route ${req.method} ${req.url}` });
      if (behaviour === 'status') return send(ERRORS[api].status, ERRORS[api].body);
      send(200, answer(api, body, behaviour === 'wrong-dimension' ? 768 : 384));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
