import type { TSchema } from '@sinclair/typebox';
import { CORE_SCHEMAS } from './bodies.ts';
import { INSTANCE_QUERY_SCHEMAS } from './instance-queries.ts';
import { PDF_SCHEMAS } from './pdf/index.ts';
import { RECORDER_QUERY_SCHEMAS } from './recorder-queries.ts';
import { WORKFLOW_SCHEMAS } from './workflow.ts';

/**
 * Every body schema that crosses the bus, by schema id (`name@major`): the bus's own bodies, the
 * workflow bodies, the recorder's queries and the PDF exchange. It feeds the schema registry, the
 * recorder's body decoding and docs/asyncapi.json, so a body missing here is undocumented and
 * unchecked (test/all-schemas.test.ts fails for any schema a started module uses that is not here).
 * Modules whose queries come from configuration (actors/instance-backed) carry their JSON Schemas
 * on their cards instead.
 */
export const ALL_SCHEMAS: Readonly<Record<string, TSchema>> = Object.freeze({
  ...CORE_SCHEMAS,
  ...WORKFLOW_SCHEMAS,
  ...RECORDER_QUERY_SCHEMAS,
  ...PDF_SCHEMAS,
  ...INSTANCE_QUERY_SCHEMAS,
});

