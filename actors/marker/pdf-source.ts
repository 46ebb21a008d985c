import { CommsError } from '../../protocol/index.ts';
import type { PdfConvert } from '../../protocol/pdf/index.ts';
import { InputRoots } from './input-roots.ts';

export interface PdfSourceOptions {
  roots: InputRoots;
  /** Largest PDF fetched from a URL. */
  maxUrlBytes: number;
  /** Whole fetch, headers to last byte. */
  urlTimeoutMs: number;
  signal: AbortSignal;
}

/** A PDF to convert: what to call it in messages, and its bytes. */
export interface PdfSource {
  name: string;
  data: Uint8Array;
}

/** The bytes a pdf.convert@1 request names: exactly one of `path` (under the input roots), `content` or `url`. */
export async function readPdfSource(body: PdfConvert, options: PdfSourceOptions): Promise<PdfSource> {
  const given = (['path', 'content', 'url'] as const).filter((key) => body[key] !== undefined);
  if (given.length !== 1) {
    throw new CommsError('E_SCHEMA_INVALID', `pdf.convert@1 needs exactly one of path, content (base64 PDF bytes) or url; this request has ${given.length === 0 ? 'none' : given.join(' and ')}.`, {
      problems: [{ path: '/', message: 'exactly one of path, content, url' }],
    });
  }
  if (body.content !== undefined) return { name: body.filename ?? 'content.pdf', data: Buffer.from(body.content, 'base64') };
  if (body.url !== undefined) return { name: body.url, data: await fetchPdf(body.url, options) };
  const path = body.path as string;
  const { data } = await options.roots.read(path);
  return { name: path, data };
}

async function fetchPdf(url: string, options: PdfSourceOptions): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CommsError('E_SCHEMA_INVALID', `url ${JSON.stringify(url)} is not a URL; give an absolute http(s) URL.`, { problems: [{ path: '/url', message: 'not a URL' }] });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CommsError('E_INPUT_REFUSED', `marker fetches only http and https URLs, not ${parsed.protocol}; send the file as content instead.`);
  }
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.urlTimeoutMs)]);
  let response: Response;
  try {
    response = await fetch(parsed, { signal, redirect: 'follow' });
  } catch (err) {
    throw fetchFailed(url, options, err);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new CommsError('E_PDF_INVALID', `fetching ${url} answered HTTP ${response.status}; check the URL.`, { url, status: response.status });
  }
  const announced = Number(response.headers.get('content-length') ?? Number.NaN);
  if (announced > options.maxUrlBytes) {
    await response.body?.cancel();
    throw tooBig(url, options.maxUrlBytes);
  }
  try {
    return await readCapped(response, url, options.maxUrlBytes);
  } catch (err) {
    throw err instanceof CommsError ? err : fetchFailed(url, options, err);
  }
}

/** The body, stopping at the cap: a server that lies about (or omits) Content-Length cannot fill memory. */
async function readCapped(response: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  if (!reader) return new Uint8Array();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooBig(url, maxBytes);
    }
    chunks.push(value);
  }
}

function tooBig(url: string, maxBytes: number): CommsError {
  return new CommsError('E_TOO_LARGE', `${url} is larger than ${maxBytes} bytes, the most marker fetches; send a smaller PDF.`, { url, max: maxBytes });
}

function fetchFailed(url: string, options: PdfSourceOptions, err: unknown): CommsError {
  if (options.signal.aborted) return options.signal.reason instanceof CommsError ? options.signal.reason : new CommsError('E_CANCELED', `fetching ${url} was canceled`);
  const timedOut = (err as { name?: string }).name === 'TimeoutError';
  const why = timedOut ? `no complete answer within ${options.urlTimeoutMs} ms` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
  return new CommsError('E_PDF_INVALID', `could not fetch ${url}: ${why}. Check the URL and that marker can reach it.`, { url });
}
