import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from './literal-union.ts';

/**
 * Every error the bus raises or sends over the wire is a CommsError with a stable `code`.
 * Codes are part of the protocol: an error reply carries `{ code, message, details }`, and
 * docs/errors.md lists them all (a test keeps the two in step).
 */
export const ERROR_CODES = {
  E_JSON_INVALID: 'The payload is not valid UTF-8 JSON. Send one JSON object per message.',
  E_SCHEMA_INVALID: 'The message or its body does not match its schema. Fix the fields named in details.',
  E_UNKNOWN_QUERY: 'The receiver has no handler for this schema id. Check the module card for the query types it accepts.',
  E_VERSION_UNSUPPORTED: 'The schema major version is not supported. Use a version listed on the module card.',
  E_TOO_LARGE: 'The message exceeds the size limit. Send a reference (path or URL) instead of inline data.',
  E_TOPIC_INVALID: 'The topic or identifier does not follow the topic map. Identifiers match ^[a-z0-9][a-z0-9_.-]{0,63}$.',
  E_MISADDRESSED: 'The message was delivered to a module it is not addressed to. Check the `to` field and the topic.',
  E_DEADLINE_EXCEEDED: 'The request deadline passed before work started. Send a new request with a later deadline.',
  E_TIMEOUT: 'No reply arrived in time after all retries. Check the responder is online (status topic) or raise the timeout.',
  E_CANCELED: 'The conversation was canceled by the requester or a parent.',
  E_PEER_LOST: 'The responder went offline (last will) while the conversation was open. Restart it and retry.',
  E_LEASE_EXPIRED: 'The responder acknowledged the request but stopped renewing its lease (frozen, overloaded or cut off). Check the responder process; send the request again.',
  E_PEER_RESTARTED: 'The responder restarted after acknowledging a query that is not idempotent, so it was not re-run. Check whether the work happened; send it again if running it twice is safe.',
  E_HANDLER_FAILED: 'The responder failed while handling the request. The message names the cause.',
  E_NOT_CONNECTED: 'The client is not connected to the broker. Check the broker URL and credentials.',
  E_AUTH_FAILED: 'The broker refused the credentials. Check username and password for this actor.',
  E_NOT_AUTHORIZED: 'The actor is not allowed to publish or subscribe on that topic. Check its role in the ACL.',
  E_STORAGE: 'The database could not be read or written. Check the path, permissions and free disk space.',
  E_NOT_FOUND: 'No such conversation, workflow, module or instance.',
  E_PDF_INVALID: 'The file is not a readable PDF. Check the path and that the file is not truncated.',
  E_PDF_PASSWORD: 'The PDF is encrypted. Pass the password (--pdf-password) to open it.',
  E_DOCUMENT_INVALID: 'The document does not satisfy the requirements schema. Fix the fields named in details.',
  E_MODEL_INVALID_OUTPUT: 'The model answer did not match the required schema after all retries.',
  E_MODEL_UNAVAILABLE: 'The model backend could not be reached or kept failing. Check the API key, base URL and rate limits.',
  E_POOL_SATURATED: 'The instance pool queue is full. Retry later or raise the pool size.',
  E_WORKFLOW_INVALID: 'The workflow definition is invalid (unknown step, cycle or bad input reference).',
  E_SHUTTING_DOWN: 'The module stopped before the work ended. Send the request again once it is back; a workflow continues when an orchestrator starts again on the same state directory.',
  E_CONFIG_INVALID: 'A configuration value is missing or malformed. The message names it.',
  E_USAGE: 'A command-line flag or argument has a value the command does not accept. The message names the flag and the allowed values.',
  E_NO_SUCH_MODULE: 'No module of that name is online on the bus. The message lists the modules that are.',
  E_ADDRESS_IN_USE: 'A port the command listens on is taken by another process. Stop it or pick another port with the flag named.',
  E_INTERNAL: 'An unexpected failure inside comms (a bug). Rerun with --debug for the stack trace and report it.',
  E_INPUT_REFUSED: 'marker reads only files under its input folders, PDF bytes sent as content, or http(s) URLs. Put the file in an input folder (comms up --inputs DIR) or send it as content or url.',
  E_REPLICAS_UNSUPPORTED: 'The broker has no shared subscriptions ($share/...): the embedded aedes broker cannot run module replicas. Run mosquitto 2.x and pass its URL (comms up --url mqtt://...).',
  E_FORGED: 'A message about a conversation came from someone who is not a party to it (or a retained message where none is allowed); it was ignored and recorded as rejected.',
  E_EMBEDDING_FAILED: 'The embedding provider failed: HTTP error, timeout, unreachable, or vectors of the wrong dimension. The message names the endpoint and the cause.',
  E_EMBEDDINGS_UNAVAILABLE: 'No embedding provider is configured on this module. Start it with --embeddings API:URL?model=NAME (or COMMS_EMBEDDINGS).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Body of `error` messages (`error@1`): the serialisable form of a CommsError. */
export const ErrorReply = Type.Object(
  {
    code: literalUnion(Object.keys(ERROR_CODES) as ErrorCode[]),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  },
  { $id: 'error@1' },
);
export type ErrorReply = Static<typeof ErrorReply>;

export class CommsError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown, options?: { cause?: unknown }) {
    super(message ?? ERROR_CODES[code], options);
    this.name = 'CommsError';
    this.code = code;
    this.details = details;
  }

  toBody(): ErrorReply {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorReply): CommsError {
    return new CommsError(body.code, body.message, body.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Wrap anything thrown into a CommsError, keeping codes that are already ours. */
export function toCommsError(err: unknown, fallback: ErrorCode = 'E_HANDLER_FAILED'): CommsError {
  if (err instanceof CommsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CommsError(fallback, message, undefined, { cause: err });
}
