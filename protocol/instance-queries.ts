import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { IDENTIFIER_PATTERN } from './identifiers.ts';
import { literalUnion } from './literal-union.ts';

/**
 * Bodies of the LLM-instance side of the bus (docs/instances.md): the advisor's free-text `ask@1`,
 * and the instance management queries `comms instances` / `comms instance ...` send to the
 * `instances` module that `comms up` runs beside its instance-backed modules.
 */

export const ASK_SCHEMA_ID = 'ask@1';
export const ASK_ANSWER_SCHEMA_ID = 'ask.answer@1';
export const INSTANCES_LIST_SCHEMA_ID = 'instances.list@1';
export const INSTANCES_LISTING_SCHEMA_ID = 'instances.listing@1';
export const INSTANCE_CONTROL_SCHEMA_ID = 'instance.control@1';
export const INSTANCE_CONTROL_RESULT_SCHEMA_ID = 'instance.control.result@1';
export const INSTANCE_HISTORY_SCHEMA_ID = 'instance.history@1';
export const INSTANCE_HISTORY_RESULT_SCHEMA_ID = 'instance.history.result@1';
/** The module `comms up` runs to list and control the instances of every instance-backed module. */
export const INSTANCES_MODULE = 'instances';

/** Body of `ask@1`: a free-text question, optionally about one module (its card and recent conversations go into the prompt). */
export const Ask = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 8000 }),
    module: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'the module the question is about' })),
  },
  { $id: ASK_SCHEMA_ID, additionalProperties: false },
);
export type Ask = Static<typeof Ask>;

/** Body of `ask.answer@1`. */
export const AskAnswer = Type.Object(
  {
    answer: Type.String(),
    module: Type.Optional(Type.String()),
    backend: Type.String({ description: 'anthropic or claude-code (offline answers E_MODEL_UNAVAILABLE instead)' }),
    model: Type.Optional(Type.String()),
    instanceId: Type.String(),
    /** How many recorded conversations of the module were in the prompt. */
    historyConversations: Type.Integer({ minimum: 0 }),
  },
  { $id: ASK_ANSWER_SCHEMA_ID },
);
export type AskAnswer = Static<typeof AskAnswer>;

/** Body of `instances.list@1`. */
export const InstancesList = Type.Object(
  { module: Type.Optional(Type.String({ pattern: IDENTIFIER_PATTERN, description: 'only the instances of this module' })) },
  { $id: INSTANCES_LIST_SCHEMA_ID, additionalProperties: false },
);
export type InstancesList = Static<typeof InstancesList>;

export const INSTANCE_LIST_STATES = ['idle', 'busy', 'paused', 'failed', 'terminated', 'closed'] as const;

export const InstanceListItem = Type.Object({
  id: Type.String(),
  module: Type.String(),
  backend: Type.String(),
  state: literalUnion(INSTANCE_LIST_STATES, { description: 'closed: stored idle, not open now (opened again on demand)' }),
  open: Type.Boolean({ description: 'true when the instance is open in a pool of the running system' }),
  turns: Type.Integer({ minimum: 0 }),
  /** ISO 8601 of the last turn, or null before the first. */
  lastUsed: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});
export type InstanceListItem = Static<typeof InstanceListItem>;

/** Body of `instances.listing@1`. */
export const InstancesListing = Type.Object({ instances: Type.Array(InstanceListItem) }, { $id: INSTANCES_LISTING_SCHEMA_ID });
export type InstancesListing = Static<typeof InstancesListing>;

export const INSTANCE_COMMANDS = ['pause', 'resume', 'terminate'] as const;

/** Body of `instance.control@1`. */
export const InstanceControl = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), command: literalUnion(INSTANCE_COMMANDS) },
  { $id: INSTANCE_CONTROL_SCHEMA_ID, additionalProperties: false },
);
export type InstanceControl = Static<typeof InstanceControl>;

/** Body of `instance.control.result@1`: the instance after the command. */
export const InstanceControlResult = Type.Object({ instance: InstanceListItem }, { $id: INSTANCE_CONTROL_RESULT_SCHEMA_ID });
export type InstanceControlResult = Static<typeof InstanceControlResult>;

/** Turns `instance.history@1` returns when the request names no `limit`. */
export const INSTANCE_HISTORY_DEFAULT_LIMIT = 50;
export const INSTANCE_HISTORY_MAX_LIMIT = 500;
/** Characters of one turn's text on the wire: a long model answer would otherwise make the reply as big as the whole conversation. */
export const INSTANCE_TURN_TEXT_LIMIT = 2000;

/** Body of `instance.history@1`: the last `limit` turns of one instance, or the last ones before turn `before` (paging back). */
export const InstanceHistory = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: INSTANCE_HISTORY_MAX_LIMIT, description: `default ${INSTANCE_HISTORY_DEFAULT_LIMIT}` })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'only turns with a smaller seq (the `earlier` of a previous answer)' })),
  },
  { $id: INSTANCE_HISTORY_SCHEMA_ID, additionalProperties: false },
);
export type InstanceHistory = Static<typeof InstanceHistory>;

export const InstanceTurnItem = Type.Object({
  /** 1, 2, ... in the order the instance had them. */
  seq: Type.Integer({ minimum: 1 }),
  role: literalUnion(['user', 'assistant'] as const),
  text: Type.String({ description: `the first ${INSTANCE_TURN_TEXT_LIMIT} characters` }),
  truncated: Type.Boolean({ description: 'true when text is cut; chars is the full length' }),
  chars: Type.Integer({ minimum: 0 }),
  /** ISO 8601. */
  at: Type.String(),
});
export type InstanceTurnItem = Static<typeof InstanceTurnItem>;

/** Body of `instance.history.result@1`: the instance (module, backend, state) and its turns, oldest first. */
export const InstanceHistoryResult = Type.Object(
  {
    instance: InstanceListItem,
    turns: Type.Array(InstanceTurnItem),
    /** The `before` that asks for the turns preceding these, or null when these start at the first. */
    earlier: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
  { $id: INSTANCE_HISTORY_RESULT_SCHEMA_ID },
);
export type InstanceHistoryResult = Static<typeof InstanceHistoryResult>;

export const INSTANCE_QUERY_SCHEMAS: Record<string, TSchema> = {
  [ASK_SCHEMA_ID]: Ask,
  [ASK_ANSWER_SCHEMA_ID]: AskAnswer,
  [INSTANCES_LIST_SCHEMA_ID]: InstancesList,
  [INSTANCES_LISTING_SCHEMA_ID]: InstancesListing,
  [INSTANCE_CONTROL_SCHEMA_ID]: InstanceControl,
  [INSTANCE_CONTROL_RESULT_SCHEMA_ID]: InstanceControlResult,
  [INSTANCE_HISTORY_SCHEMA_ID]: InstanceHistory,
  [INSTANCE_HISTORY_RESULT_SCHEMA_ID]: InstanceHistoryResult,
};

/** The requests an operator may send to the instances module (security/role-policy.ts). */
export const INSTANCE_MANAGEMENT_IDS: readonly string[] = [INSTANCES_LIST_SCHEMA_ID, INSTANCE_CONTROL_SCHEMA_ID, INSTANCE_HISTORY_SCHEMA_ID];
