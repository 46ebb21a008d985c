/**
 * Turns a schema given as plain JSON Schema data (as cards carry it over MQTT, where TypeBox's
 * symbol markers are lost) into a TypeBox schema that `Value.Check` / `Value.Errors` /
 * `Value.Create` accept. TypeBox schemas pass through unchanged.
 *
 * Covered: type (incl. type arrays), properties/required/additionalProperties, items/prefixItems,
 * enum, const, anyOf/oneOf (as a union), allOf, not, local $ref (#/$defs, #/definitions), and the
 * usual constraint keywords. `format` is kept only when TypeBox's FormatRegistry knows it (an
 * unknown format would make every value fail). Other keywords are ignored (validation is then
 * looser than the JSON Schema, never stricter).
 */
import { FormatRegistry, Kind, Type, type TSchema } from '@sinclair/typebox';
import type { JsonSchemaObject } from './module-card.ts';

export type SchemaLike = TSchema | JsonSchemaObject;

const ANNOTATIONS = ['title', 'description', 'default', 'examples', '$id'] as const;
const CONSTRAINTS = [
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
] as const;
const MAX_REF_DEPTH = 16;

export function isTypeBoxSchema(schema: unknown): schema is TSchema {
  return typeof schema === 'object' && schema !== null && Kind in schema;
}

export function toTypeBoxSchema(schema: SchemaLike): TSchema {
  if (isTypeBoxSchema(schema)) return schema;
  return convert(schema, schema, 0);
}

function isObject(value: unknown): value is JsonSchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function options(node: JsonSchemaObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of [...ANNOTATIONS, ...CONSTRAINTS]) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  if (typeof node.format === 'string' && FormatRegistry.Has(node.format)) out.format = node.format;
  return out;
}

function literal(value: unknown): TSchema {
  if (value === null) return Type.Null();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return Type.Literal(value);
  // Object/array constants: accept anything of the same JSON type (looser, never stricter).
  return Array.isArray(value) ? Type.Array(Type.Unknown()) : Type.Object({});
}

function resolveRef(ref: string, root: JsonSchemaObject): JsonSchemaObject | boolean | undefined {
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (!match) return undefined;
  const defs = root[match[1] as string];
  if (!isObject(defs)) return undefined;
  const name = (match[2] as string).replace(/~1/g, '/').replace(/~0/g, '~');
  const target = defs[name];
  return typeof target === 'boolean' || isObject(target) ? target : undefined;
}

function convert(node: JsonSchemaObject | boolean, root: JsonSchemaObject, depth: number): TSchema {
  if (node === true) return Type.Unknown();
  if (node === false) return Type.Never();
  const opts = options(node);

  if (typeof node.$ref === 'string') {
    const target = depth < MAX_REF_DEPTH ? resolveRef(node.$ref, root) : undefined;
    return target === undefined ? Type.Unknown(opts) : convert(target, root, depth + 1);
  }
  if ('const' in node) return literal(node.const);
  if (Array.isArray(node.enum)) {
    const members = node.enum.map(literal);
    return members.length === 1 ? (members[0] as TSchema) : Type.Union(members, opts);
  }
  const sub = (value: unknown): TSchema =>
    typeof value === 'boolean' || isObject(value) ? convert(value, root, depth + 1) : Type.Unknown();
  if (Array.isArray(node.anyOf)) return Type.Union(node.anyOf.map(sub), opts);
  if (Array.isArray(node.oneOf)) return Type.Union(node.oneOf.map(sub), opts);
  if (Array.isArray(node.allOf)) {
    const { allOf: _allOf, ...rest } = node;
    const parts = node.allOf.map(sub);
    if (Object.keys(rest).some((k) => k === 'type' || k === 'properties')) parts.push(convert(rest, root, depth + 1));
    return Type.Intersect(parts, opts);
  }
  if (node.not !== undefined) return Type.Not(sub(node.not));

  const type = node.type;
  if (Array.isArray(type)) {
    return Type.Union(type.map((t) => convert({ ...node, type: t }, root, depth + 1)));
  }
  switch (type) {
    case 'string':
      return Type.String(opts);
    case 'number':
      return Type.Number(opts);
    case 'integer':
      return Type.Integer(opts);
    case 'boolean':
      return Type.Boolean(opts);
    case 'null':
      return Type.Null(opts);
    case 'array': {
      if (Array.isArray(node.prefixItems) || Array.isArray(node.items)) {
        const items = (Array.isArray(node.prefixItems) ? node.prefixItems : node.items) as unknown[];
        return Type.Tuple(items.map(sub), opts);
      }
      return Type.Array(node.items === undefined ? Type.Unknown() : sub(node.items), opts);
    }
    case 'object':
      return objectSchema(node, opts, sub);
    default:
      if (isObject(node.properties)) return objectSchema(node, opts, sub);
      return Type.Unknown(opts);
  }
}

function objectSchema(
  node: JsonSchemaObject,
  opts: Record<string, unknown>,
  sub: (value: unknown) => TSchema,
): TSchema {
  const required = new Set(Array.isArray(node.required) ? (node.required as unknown[]).filter((r) => typeof r === 'string') : []);
  const properties: Record<string, TSchema> = {};
  const declared = isObject(node.properties) ? node.properties : {};
  for (const [name, value] of Object.entries(declared)) {
    const schema = sub(value);
    properties[name] = required.has(name) ? schema : Type.Optional(schema);
  }
  const additional = node.additionalProperties;
  if (additional === false) opts.additionalProperties = false;
  else if (isObject(additional)) opts.additionalProperties = sub(additional);
  return Type.Object(properties, opts);
}
