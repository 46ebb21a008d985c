import { Type, type Static } from '@sinclair/typebox';
import { IDENTIFIER_PATTERN } from '../protocol/index.ts';
import { literalUnion } from '../protocol/index.ts';

/**
 * `comms.config.json` (docs/instances.md, Configuration): the instance-backed modules `comms up`
 * hosts. Every object is closed (additionalProperties false) so a misspelt key is an error naming
 * its JSON path instead of a setting silently ignored.
 */

export const CONFIG_BACKENDS = ['auto', 'anthropic', 'claude-code', 'offline'] as const;
/** advisor: the built-in advisor (actors/advisor/); instance: queries answered by the model from their JSON Schemas. */
export const MODULE_KINDS = ['advisor', 'instance'] as const;
/** The queries the advisor can answer; a config may list a subset. */
export const ADVISOR_QUERIES = ['pdf.compatibility.check@1', 'ask@1'] as const;

const SchemaId = Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*@[0-9]+$', description: 'schema id name@major' });
const JsonSchemaObject = Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON Schema (draft 7 / 2019-09) object' });

/** A query of an `instance` module: answered by the model, checked against these JSON Schemas. */
export const ConfigQuery = Type.Object(
  {
    schema: SchemaId,
    description: Type.String({ minLength: 1 }),
    request: JsonSchemaObject,
    responseSchemaId: SchemaId,
    response: JsonSchemaObject,
  },
  { additionalProperties: false },
);
export type ConfigQuery = Static<typeof ConfigQuery>;

export const ConfigPool = Type.Object(
  {
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'most instances open at once; default 2' })),
    idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, description: 'close an instance idle this long (0: never); default 300000' })),
  },
  { additionalProperties: false },
);

export const ConfigModule = Type.Object(
  {
    name: Type.String({ pattern: IDENTIFIER_PATTERN, description: 'module id (inbox, card, credentials user)' }),
    kind: literalUnion(MODULE_KINDS, { description: 'advisor: the built-in advisor; instance: queries answered from their JSON Schemas' }),
    description: Type.Optional(Type.String({ description: 'card description, and the start of the system prompt' })),
    version: Type.Optional(Type.String({ minLength: 1 })),
    queries: Type.Optional(
      Type.Array(Type.Union([SchemaId, ConfigQuery]), {
        description: 'advisor: a subset of ADVISOR_QUERIES (default all); instance: query objects (required)',
      }),
    ),
    backend: literalUnion(CONFIG_BACKENDS, {
      description: 'auto: anthropic with ANTHROPIC_API_KEY, else claude-code when the claude CLI is on PATH, else offline',
    }),
    model: Type.Optional(Type.String({ minLength: 1, description: 'model name (anthropic, claude-code); default COMMS_MODEL or the backend default' })),
    pool: Type.Optional(ConfigPool),
    history: Type.Optional(
      Type.Object(
        { conversations: Type.Integer({ minimum: 0, maximum: 200, description: 'recent conversations of a module put into the prompt; default 10' }) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ConfigModule = Static<typeof ConfigModule>;

export const CommsConfig = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    modules: Type.Array(ConfigModule),
  },
  { additionalProperties: false },
);
export type CommsConfig = Static<typeof CommsConfig>;
