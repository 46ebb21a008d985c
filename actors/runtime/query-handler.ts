import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from '../../logging/index.ts';
import { DEFAULT_MAX_JSON_DEPTH, type Envelope, type JsonLimits, type ProgressReport } from '../../protocol/index.ts';
import type { RequestOptions } from './request-options.ts';

/** What a query handler can do while it works. */
export interface HandlerContext {
  /** The request as received. */
  readonly request: Envelope;
  /** Aborted when the requester cancels or the parent conversation ends. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Report progress (0-100, stage, note); the requester sees it live. */
  progress(report: ProgressReport): void;
  /** Ask the requester for input and wait for it (A2A input-required). */
  askInput(prompt: string, schema?: unknown): Promise<unknown>;
  /** Ask another module, as a child conversation: canceled when this one is. */
  ask<R = unknown>(to: string, schema: string, body: unknown, options?: Partial<RequestOptions>): Promise<R>;
}

/** One query type a module answers: what it accepts, what it returns, and the code that does it. */
export interface QueryHandler<Req extends TSchema = TSchema, Res extends TSchema = TSchema> {
  /** Request schema id, e.g. `pdf.requirements.query@1`. */
  schema: string;
  description: string;
  request: Req;
  responseSchemaId: string;
  response: Res;
  handle(body: Static<Req>, context: HandlerContext): Promise<Static<Res>>;
  /** Running it twice is harmless: a requester may re-send it after this module restarts mid-work. Default false. */
  idempotent?: boolean;
  /** Largest request body this query takes. Default DEFAULT_MAX_BODY_BYTES (256 KiB). */
  maxBodyBytes?: number;
  /** Longest string in the request, as JSON on the wire. Default DEFAULT_MAX_STRING_BYTES (64 KiB). */
  maxStringBytes?: number;
  /** Deepest nesting of the request, envelope included. Default DEFAULT_MAX_JSON_DEPTH (64). */
  maxDepth?: number;
}

/** Well under the broker's packet limit (16 MiB): a query that needs more says so on its definition. */
const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const DEFAULT_MAX_STRING_BYTES = 64 * 1024;
/** Room for the envelope's own fields (ids, topics, timestamps) on top of the body. */
const ENVELOPE_ALLOWANCE_BYTES = 4 * 1024;

/** The pre-parse limits of one query's request messages (docs/security.md, Bounded work per message). */
export function requestLimits(handler: Pick<QueryHandler, 'maxBodyBytes' | 'maxStringBytes' | 'maxDepth'>): JsonLimits {
  return {
    maxBytes: (handler.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) + ENVELOPE_ALLOWANCE_BYTES,
    maxStringBytes: handler.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES,
    maxDepth: handler.maxDepth ?? DEFAULT_MAX_JSON_DEPTH,
  };
}

/** What an inbox lets through to parsing: the loosest of its queries' limits (each query's own is checked after). */
export function inboxLimits(handlers: Iterable<QueryHandler>): JsonLimits {
  const all = [...handlers].map(requestLimits);
  // Cancels and inputs must pass even where no query is registered.
  const floor = requestLimits({});
  return {
    maxBytes: Math.max(floor.maxBytes, ...all.map((l) => l.maxBytes)),
    maxStringBytes: Math.max(floor.maxStringBytes, ...all.map((l) => l.maxStringBytes)),
    maxDepth: Math.max(floor.maxDepth, ...all.map((l) => l.maxDepth)),
  };
}

/** Helper that keeps the handler's types tied to its schemas. */
export function defineQuery<Req extends TSchema, Res extends TSchema>(handler: QueryHandler<Req, Res>): QueryHandler<Req, Res> {
  return handler;
}
