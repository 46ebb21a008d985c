import { CommsError } from './errors.ts';

/**
 * How much work one JSON payload may cost before it is parsed into objects. JSON.parse of a 10 MB
 * array nested 5,000,000 deep takes tens of seconds on the one thread every conversation of a module
 * shares; a scan of the raw bytes refuses it after `maxDepth + 1` of them.
 */
export interface JsonLimits {
  /** Whole payload, in bytes. */
  maxBytes: number;
  /** Nesting of objects and arrays; the envelope itself is level 1. */
  maxDepth: number;
  /** Longest string token (key or value) as it is on the wire, quotes and escapes included. */
  maxStringBytes: number;
}

/** What a scan measured: compared later against the limits of the query the message turns out to be. */
export interface JsonShape {
  bytes: number;
  depth: number;
  longestString: number;
}

/** Deep enough for every schema on the bus (documents nest sections in blocks in pages), far from pathological. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * One pass over the raw bytes: nesting depth and the longest string token, refusing as soon as a
 * limit is crossed (E_TOO_LARGE, `details.limit` = `bytes` | `depth` | `string`, `details.offset` =
 * the byte where the scan stopped). It does not validate JSON: JSON.parse does that afterwards, on
 * input whose cost is now bounded.
 */
export function scanJson(bytes: Uint8Array, limits: JsonLimits): JsonShape {
  if (bytes.byteLength > limits.maxBytes) {
    throw tooLarge('bytes', `message is ${bytes.byteLength} bytes; the limit is ${limits.maxBytes}`, bytes.byteLength, limits.maxBytes, 0);
  }
  let depth = 0;
  let maxDepth = 0;
  let longest = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === QUOTE) {
      const closing = stringEnd(bytes, i);
      const end = closing < 0 ? bytes.length - 1 : closing;
      const length = end - i + 1;
      if (length > limits.maxStringBytes) {
        throw tooLarge('string', `a string at byte ${i} is ${closing < 0 ? 'unterminated and at least ' : ''}${length} bytes; the limit is ${limits.maxStringBytes}`, length, limits.maxStringBytes, i);
      }
      if (length > longest) longest = length;
      i = end;
    } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth++;
      if (depth > limits.maxDepth) {
        throw tooLarge('depth', `message nests deeper than ${limits.maxDepth} levels (at byte ${i})`, depth, limits.maxDepth, i);
      }
      if (depth > maxDepth) maxDepth = depth;
    } else if ((byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) && depth > 0) {
      depth--;
    }
  }
  return { bytes: bytes.byteLength, depth: maxDepth, longestString: longest };
}

/** Index of the quote closing the string opened at `start`, -1 when unterminated. */
function stringEnd(bytes: Uint8Array, start: number): number {
  let i = start + 1;
  for (;;) {
    // indexOf is native: a long string costs a memchr, not a JS loop per byte.
    const quote = bytes.indexOf(QUOTE, i);
    if (quote < 0) return -1;
    let slashes = 0;
    for (let j = quote - 1; j > start && bytes[j] === BACKSLASH; j--) slashes++;
    if (slashes % 2 === 0) return quote;
    i = quote + 1;
  }
}

function tooLarge(limit: 'bytes' | 'depth' | 'string', what: string, value: number, max: number, offset: number): CommsError {
  return new CommsError('E_TOO_LARGE', `${what}. Send less, flatter data, or a file path or URL instead of inline data.`, { limit, value, max, offset });
}

/** Throws E_TOO_LARGE when an already measured shape breaks tighter limits (a query's own). */
export function checkShape(shape: JsonShape, limits: JsonLimits, what: string): void {
  if (shape.bytes > limits.maxBytes) throw tooLarge('bytes', `${what} is ${shape.bytes} bytes; the limit is ${limits.maxBytes}`, shape.bytes, limits.maxBytes, 0);
  if (shape.depth > limits.maxDepth) throw tooLarge('depth', `${what} nests ${shape.depth} levels deep; the limit is ${limits.maxDepth}`, shape.depth, limits.maxDepth, 0);
  if (shape.longestString > limits.maxStringBytes) {
    throw tooLarge('string', `${what} has a string of ${shape.longestString} bytes; the limit is ${limits.maxStringBytes}`, shape.longestString, limits.maxStringBytes, 0);
  }
}
