import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** One reason a value does not match its schema: a JSON Pointer and what was expected. */
export interface SchemaIssue {
  path: string;
  message: string;
}

const MAX_ISSUES = 20;

/** The ways `value` fails `schema` (at most 20); empty when it is valid. */
export function schemaIssues(schema: TSchema, value: unknown): SchemaIssue[] {
  if (Value.Check(schema, value)) return [];
  const issues: SchemaIssue[] = [];
  for (const error of Value.Errors(schema, value)) {
    issues.push({ path: error.path === '' ? '/' : error.path, message: error.message });
    if (issues.length >= MAX_ISSUES) break;
  }
  return issues.length > 0 ? issues : [{ path: '/', message: 'Value does not match the schema' }];
}
