/**
 * The smallest value a JSON Schema plausibly accepts, for the offline backend when it knows no
 * answer: required properties only, minItems items, the lowest allowed number, the first enum
 * member or union branch. A best effort: the caller validates the result, and `pattern`,
 * `format`, `not` and the like are not solved for.
 */
import type { JsonSchemaObject } from './module-card.ts';

const MAX_DEPTH = 16;

export function minimalValue(schema: JsonSchemaObject): unknown {
  return synthesize(schema, schema, 0);
}

function isObject(value: unknown): value is JsonSchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function synthesize(node: unknown, root: JsonSchemaObject, depth: number): unknown {
  if (!isObject(node) || depth > MAX_DEPTH) return null;
  const sub = (child: unknown): unknown => synthesize(child, root, depth + 1);
  if (node.default !== undefined) return node.default;
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if (typeof node.$ref === 'string') return sub(resolveRef(node.$ref, root));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (Array.isArray(branches) && branches.length > 0) return sub(branches[0]);
  }
  if (Array.isArray(node.allOf)) {
    const parts = node.allOf.map(sub);
    return parts.every(isObject) ? Object.assign({}, ...parts) : parts[0];
  }
  const type = Array.isArray(node.type) ? node.type[0] : (node.type ?? (isObject(node.properties) ? 'object' : undefined));
  switch (type) {
    case 'string':
      return 'x'.repeat(numberOr(node.minLength, 0));
    case 'number':
    case 'integer': {
      const min = typeof node.minimum === 'number' ? node.minimum : typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum + 1 : 0;
      return type === 'integer' ? Math.ceil(min) : min;
    }
    case 'boolean':
      return false;
    case 'array': {
      const tuple = Array.isArray(node.prefixItems) ? node.prefixItems : Array.isArray(node.items) ? node.items : undefined;
      if (tuple) return tuple.map(sub);
      return Array.from({ length: numberOr(node.minItems, 0) }, () => sub(node.items));
    }
    case 'object': {
      const properties = isObject(node.properties) ? node.properties : {};
      const required = Array.isArray(node.required) ? node.required.filter((r): r is string => typeof r === 'string') : [];
      return Object.fromEntries(required.map((name) => [name, sub(properties[name])]));
    }
    default:
      return null;
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

/** Local references only (#/$defs/..., #/definitions/...): cards carry self-contained schemas. */
function resolveRef(ref: string, root: JsonSchemaObject): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    if (!isObject(node)) return undefined;
    node = node[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}
