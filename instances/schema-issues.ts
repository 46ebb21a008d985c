/**
 * Validation of model answers and request bodies against the JSON Schema a card carries, with
 * Ajv: each schema object is compiled once and the compiled validator cached. A TypeBox schema is
 * JSON Schema too, so it goes the same way.
 *
 * Dialect: a schema whose `$schema` names draft 2020-12 is read as 2020-12; every other schema
 * as 2019-09, which also reads draft-07 and TypeBox's output (tuples as `items` arrays).
 * Unknown keywords and formats are ignored: validation is then looser than the schema, never
 * stricter, and a card from a newer module still loads.
 */
import { createRequire } from 'node:module';
import Ajv2019 from 'ajv/dist/2019.js';
import Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { CommsError } from '../protocol/index.ts';
import type { JsonSchemaObject } from './module-card.ts';

/** One reason a value does not match its schema: a JSON Pointer and what was expected. */
export interface SchemaIssue {
  path: string;
  message: string;
}

const MAX_ISSUES = 20;
// addUsedSchema false: two cards may carry schemas with the same $id, and each must compile.
const AJV_OPTIONS: Options = { strict: false, allErrors: true, addUsedSchema: false, logger: false };
const ajv2019 = new Ajv2019(AJV_OPTIONS);
// Loaded with require, not `import ... with { type: 'json' }`: the compiled build (scripts/build.mjs) drops import attributes.
ajv2019.addMetaSchema(createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-07.json') as Record<string, unknown>);
const ajv2020 = new Ajv2020(AJV_OPTIONS);
const compiled = new WeakMap<JsonSchemaObject, ValidateFunction>();

/** The ways `value` fails `schema` (at most 20); empty when it is valid. */
export function schemaIssues(schema: JsonSchemaObject, value: unknown): SchemaIssue[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const issues = (validate.errors ?? []).slice(0, MAX_ISSUES).map(toIssue);
  return issues.length > 0 ? issues : [{ path: '/', message: 'Value does not match the schema' }];
}

function validatorFor(schema: JsonSchemaObject): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const ajv = typeof schema.$schema === 'string' && schema.$schema.includes('2020-12') ? ajv2020 : ajv2019;
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new CommsError(
      'E_CONFIG_INVALID',
      `A JSON Schema cannot be compiled: ${(err as Error).message}. Fix the schema in the module card.`,
      undefined,
      { cause: err },
    );
  }
  // The validator is self-contained; dropping Ajv's own reference lets a schema object that is
  // no longer used (an outdated card) be garbage-collected with its WeakMap entry.
  ajv.removeSchema(schema);
  compiled.set(schema, validate);
  return validate;
}

/** Ajv's error as a path and a message; a missing or extra property is named in the path. */
function toIssue(error: ErrorObject): SchemaIssue {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    return { path: `${error.instancePath}/${escapePointer(params.missingProperty)}`, message: 'is required but missing' };
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    return { path: `${error.instancePath}/${escapePointer(params.additionalProperty)}`, message: 'is not allowed (no such property in the schema)' };
  }
  const path = error.instancePath === '' ? '/' : error.instancePath;
  const allowed = error.keyword === 'enum' && params.allowedValues ? `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : '';
  return { path, message: `${error.message ?? 'is invalid'}${allowed}` };
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
