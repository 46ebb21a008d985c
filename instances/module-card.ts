/**
 * The parts of a module's capability card that a background instance reads. Defined here so
 * `instances/` does not depend on the protocol's card type; the real card is structurally
 * compatible (it has at least these fields).
 */
export interface QueryTypeLike {
  /** The request schema id with major version, e.g. `pdf.requirements.query@1`. */
  schema: string;
  description?: string;
  /** JSON Schema of the request body. */
  requestSchema: JsonSchemaObject;
  /** JSON Schema of the reply body. */
  responseSchema: JsonSchemaObject;
  /** The reply's schema id, e.g. `pdf.requirements@1`. */
  responseSchemaId: string;
}

export interface ModuleCardLike {
  name: string;
  version: string;
  description?: string;
  queries: readonly QueryTypeLike[];
}

/** A JSON Schema document as plain data (for example parsed from a retained card). */
export type JsonSchemaObject = { readonly [keyword: string]: unknown };
