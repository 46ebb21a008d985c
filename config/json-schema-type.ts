import { Kind, TypeRegistry, type TSchema } from '@sinclair/typebox';
import { schemaIssues, type JsonSchemaObject } from '../instances/index.ts';

const KIND = 'CommsJsonSchema';

/**
 * A JSON Schema from comms.config.json as a TypeBox schema, so the Actor's schema registry (which
 * compiles TypeBox) checks request and reply bodies of a configured query with the same Ajv
 * validation the instances use. The kind is registered once, on first use.
 */
export function jsonSchemaType(schema: JsonSchemaObject): TSchema {
  if (!TypeRegistry.Has(KIND)) TypeRegistry.Set(KIND, (s, value) => schemaIssues(s as JsonSchemaObject, value).length === 0);
  return { ...schema, [Kind]: KIND } as unknown as TSchema;
}
