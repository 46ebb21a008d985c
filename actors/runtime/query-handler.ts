import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from '../../logging/index.ts';
import type { Envelope, ProgressReport } from '../../protocol/index.ts';
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
}

/** Helper that keeps the handler's types tied to its schemas. */
export function defineQuery<Req extends TSchema, Res extends TSchema>(handler: QueryHandler<Req, Res>): QueryHandler<Req, Res> {
  return handler;
}
