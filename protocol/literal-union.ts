import { Type, type SchemaOptions, type TLiteral, type TUnion } from '@sinclair/typebox';

type LiteralsOf<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/**
 * A union of string literals whose Static<> is the union of those strings (not `string`), so a
 * name set is written once, as a schema, and its TypeScript type is derived from it.
 */
export function literalUnion<const T extends readonly string[]>(values: T, options?: SchemaOptions): TUnion<LiteralsOf<T>> {
  return Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  ) as unknown as TUnion<LiteralsOf<T>>;
}
