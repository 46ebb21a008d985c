import { TypeCompiler } from '@sinclair/typebox/compiler';
import { DEFAULT_MAX_MESSAGE_BYTES, describeProblems, Envelope } from './envelope.ts';
import { CommsError } from './errors.ts';
import { DEFAULT_MAX_JSON_DEPTH, scanJson, type JsonShape } from './json-limits.ts';
import { SchemaRegistry } from './schema-registry.ts';
import { WorkflowControl } from './workflow.ts';

const checkEnvelope = TypeCompiler.Compile(Envelope);
/** Every body on the bus (ALL_SCHEMAS), compiled once. */
const bodies = new SchemaRegistry();

export interface DecodeOptions {
  /** Larger payloads are E_TOO_LARGE. Default DEFAULT_MAX_MESSAGE_BYTES. */
  maxBytes?: number;
  /** Deeper nesting is E_TOO_LARGE, found before parsing. Default DEFAULT_MAX_JSON_DEPTH. */
  maxDepth?: number;
  /** A longer string token is E_TOO_LARGE, found before parsing. Default: maxBytes. */
  maxStringBytes?: number;
  /**
   * The body schema this topic carries (a card topic carries module.card@1): another schema, or a
   * body that does not match it, is E_SCHEMA_INVALID. Without it the body is left to the receiver,
   * which may know module-specific schemas (Actor.registry).
   */
  schema?: string;
}

/**
 * The one way a payload becomes an Envelope: size, UTF-8 JSON, the envelope schema and, when the
 * topic fixes it, the body schema. Throws E_TOO_LARGE, E_JSON_INVALID or E_SCHEMA_INVALID with
 * details saying exactly which field is wrong, so the sender can fix it from the error reply alone.
 */
export function decodeEnvelope(payload: Uint8Array | string, options: DecodeOptions = {}): Envelope {
  return inspectEnvelope(payload, options).envelope;
}

/** decodeEnvelope, plus what the pre-parse scan measured (for limits known only once the schema is). */
export function inspectEnvelope(payload: Uint8Array | string, options: DecodeOptions = {}): { envelope: Envelope; shape: JsonShape } {
  const { value, shape } = decodeJson(payload, options);
  if (!checkEnvelope.Check(value)) {
    const problems = describeProblems(checkEnvelope, value);
    const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new CommsError('E_SCHEMA_INVALID', `envelope is invalid: ${summary}`, { problems });
  }
  const envelope = value as Envelope;
  if (options.schema !== undefined) {
    if (envelope.schema !== options.schema) {
      throw new CommsError('E_SCHEMA_INVALID', `this topic carries ${options.schema}, not ${envelope.schema}.`, { schema: envelope.schema });
    }
    bodies.validate(options.schema, envelope.body);
  }
  return { envelope, shape };
}

/** Throws unless `body` is valid for `schema`, one of ALL_SCHEMAS (E_UNKNOWN_QUERY for others). */
export function checkBody(schema: string, body: unknown): void {
  bodies.validate(schema, body);
}

/**
 * A workflow control message. Two forms are part of the contract (docs/workflows.md): an envelope
 * with a workflow.control@1 body, or that body as bare JSON, so `mosquitto_pub -m '{"command":"pause"}'`
 * works. Both are checked against the same schema.
 */
export function decodeWorkflowControl(payload: Uint8Array | string): WorkflowControl {
  const { value } = decodeJson(payload, {});
  const isEnvelope = typeof value === 'object' && value !== null && Object.hasOwn(value, 'v') && Object.hasOwn(value, 'kind');
  const body = isEnvelope ? decodeEnvelope(payload, { schema: 'workflow.control@1' }).body : value;
  bodies.validate('workflow.control@1', body);
  return body as WorkflowControl;
}

/**
 * A payload as a JSON object, decoded exactly as receivers decode it (bounded scan, fatal UTF-8, BOM
 * dropped, JSON.parse), so the broker's policy and the receiver cannot disagree about what was sent;
 * undefined when it is not one.
 */
export function decodeJsonObject(payload: Uint8Array, options: DecodeOptions = {}): Record<string, unknown> | undefined {
  if (payload.byteLength === 0) return undefined;
  try {
    const { value } = decodeJson(payload, options);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** One decoder for every message: without `stream` a fatal decoder keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Size, depth and string length from the raw bytes first (milliseconds at most), then UTF-8 and JSON.parse. */
function decodeJson(payload: Uint8Array | string, options: DecodeOptions): { value: unknown; shape: JsonShape } {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const shape = scanJson(bytes, { maxBytes, maxDepth: options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, maxStringBytes: options.maxStringBytes ?? maxBytes });
  try {
    const text = typeof payload === 'string' ? payload : UTF8.decode(payload);
    return { value: JSON.parse(text) as unknown, shape };
  } catch (err) {
    throw new CommsError('E_JSON_INVALID', `payload is not UTF-8 JSON: ${(err as Error).message}. Send one JSON object per message.`);
  }
}
