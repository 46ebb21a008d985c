import { CommsError } from '../protocol/index.ts';

/** The three HTTP embedding APIs spoken (docs/embeddings.md). */
export const EMBEDDING_APIS = ['openai', 'ollama', 'tei'] as const;
export type EmbeddingApi = (typeof EMBEDDING_APIS)[number];

export interface EmbeddingProviderConfig {
  api: EmbeddingApi;
  /** Base URL: openai = the `/v1` base (requests go to `{url}/embeddings`), ollama = the server root (`{url}/api/embed`), tei = the server root (`{url}/embed`). */
  url: string;
  /** Model name sent to the server; tei serves one model, so there it is only reported. */
  model: string;
  /** Bearer token (openai); read from the environment variable named by `keyEnv`, default OPENAI_API_KEY. */
  apiKey?: string;
  /** Per HTTP request. */
  timeoutMs: number;
  /** Texts per HTTP request. */
  batchSize: number;
}

export const DEFAULT_EMBEDDING_TIMEOUT_MS = 30_000;
export const DEFAULT_EMBEDDING_BATCH = 64;
const KNOWN_PARAMS = ['model', 'timeout', 'batch', 'keyEnv'];

function usage(spec: string, why: string): CommsError {
  return new CommsError(
    'E_CONFIG_INVALID',
    `embedding provider "${spec}": ${why}. Write API:URL?model=NAME, API one of ${EMBEDDING_APIS.join(', ')}, e.g. ollama:http://127.0.0.1:11434?model=all-minilm (docs/embeddings.md).`,
    { spec },
  );
}

function positiveParam(spec: string, params: URLSearchParams, name: string, fallback: number): number {
  const raw = params.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw usage(spec, `${name}=${raw} is not a positive integer`);
  return value;
}

/**
 * Parse `API:URL?model=NAME[&timeout=MS][&batch=N][&keyEnv=VAR]` (the `--embeddings` flag and
 * COMMS_EMBEDDINGS). The provider's own query parameters are taken off the URL so they never reach the server.
 */
export function parseEmbeddingSpec(spec: string, env: NodeJS.ProcessEnv = process.env): EmbeddingProviderConfig {
  const colon = spec.indexOf(':');
  const api = colon > 0 ? spec.slice(0, colon) : '';
  if (!(EMBEDDING_APIS as readonly string[]).includes(api)) throw usage(spec, `unknown API "${api}"`);
  let url: URL;
  try {
    url = new URL(spec.slice(colon + 1));
  } catch {
    throw usage(spec, `"${spec.slice(colon + 1)}" is not a URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol)) throw usage(spec, `the URL must be http:// or https://, got ${url.protocol}//`);
  const unknown = [...url.searchParams.keys()].filter((k) => !KNOWN_PARAMS.includes(k));
  if (unknown.length > 0) throw usage(spec, `unknown parameter(s) ${unknown.join(', ')}; known: ${KNOWN_PARAMS.join(', ')}`);
  const model = url.searchParams.get('model') ?? (api === 'tei' ? 'tei-served-model' : '');
  if (!model) throw usage(spec, `${api} needs a model (?model=NAME)`);
  const keyEnv = url.searchParams.get('keyEnv') ?? 'OPENAI_API_KEY';
  const apiKey = api === 'openai' ? env[keyEnv] : undefined;
  const config: EmbeddingProviderConfig = {
    api: api as EmbeddingApi,
    url: '',
    model,
    timeoutMs: positiveParam(spec, url.searchParams, 'timeout', DEFAULT_EMBEDDING_TIMEOUT_MS),
    batchSize: positiveParam(spec, url.searchParams, 'batch', DEFAULT_EMBEDDING_BATCH),
    ...(apiKey ? { apiKey } : {}),
  };
  url.search = '';
  config.url = url.toString().replace(/\/+$/, '');
  return config;
}

/** The provider COMMS_EMBEDDINGS names, or undefined: what every entry point uses when no flag or option says otherwise. */
export function embeddingSpecFromEnv(env: NodeJS.ProcessEnv = process.env): EmbeddingProviderConfig | undefined {
  const spec = env['COMMS_EMBEDDINGS'];
  return spec ? parseEmbeddingSpec(spec, env) : undefined;
}
