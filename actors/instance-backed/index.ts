import type { TSchema } from '@sinclair/typebox';
import { InstancePool, resolveBackendKind, type BackendSpec, type InstancePoolOptions, type JsonSchemaObject } from '../../instances/index.ts';
import { CommsError } from '../../protocol/index.ts';
import { Actor, defineQuery, type ActorOptions } from '../runtime/index.ts';

export { createInstanceManager, type InstanceManagerOptions } from './instance-manager.ts';

export interface InstanceBackedQuery {
  schema: string;
  description: string;
  request: TSchema;
  responseSchemaId: string;
  response: TSchema;
}

export interface InstanceBackedActorOptions extends Omit<ActorOptions, 'backend'> {
  queries: InstanceBackedQuery[];
  /** Pool settings; the module card is filled in from the actor. Backend default: 'auto' (anthropic with a key, else offline; the card names the one resolved). */
  pool?: Omit<InstancePoolOptions, 'module'>;
}

/**
 * A module whose queries are answered by a pool of background LLM instances (docs/architecture.md, Components; details in docs/instances.md):
 * the card it publishes is the one the instances' system prompt is generated from, each request
 * goes to the least busy instance with the query's response schema forced, and the Actor checks
 * the answer against that schema again before it leaves.
 */
export interface InstanceBackedModule {
  actor: Actor;
  pool: InstancePool;
  start(): Promise<void>;
  /** Stops the actor, then closes the pool's instances. */
  stop(): Promise<void>;
}

export function createInstanceBackedActor(options: InstanceBackedActorOptions): InstanceBackedModule {
  const backendKind = cardBackendKind(options.pool?.instance?.backend, options.pool?.instance?.backendOptions?.env);
  const actor = new Actor({ ...options, backend: { kind: backendKind } });
  // The wire answer has the module's own schema, so an offline answer is marked in the card and in the recorded progress note.
  const progressNote = backendKind === 'offline' ? `offline backend: a rule-based answer, no model is asked` : `asking a ${actor.name} instance`;
  for (const query of options.queries) {
    actor.handle(
      defineQuery({
        ...query,
        handle: async (body, ctx) => {
          ctx.progress({ percent: 10, stage: 'model', note: progressNote });
          const reply = await pool.answer(query.schema, body, { signal: ctx.signal });
          if (reply.value === undefined) throw new CommsError('E_MODEL_INVALID_OUTPUT', `the ${actor.name} instance gave no structured answer for ${query.schema}`);
          return reply.value as never;
        },
      }),
    );
  }
  const card = actor.card();
  const pool = new InstancePool({
    ...options.pool,
    module: { ...card, queries: card.queries.map((q) => ({ ...q, requestSchema: q.requestSchema as JsonSchemaObject, responseSchema: q.responseSchema as JsonSchemaObject })) },
  });
  return {
    actor,
    pool,
    async start() {
      await actor.start();
    },
    async stop() {
      try {
        await actor.stop();
      } finally {
        // The instances (claude-code processes, say) are released even when the actor fails to stop cleanly.
        await pool.close();
      }
    },
  };
}

/** The backend kind the card shows: `auto` resolved the way the instances resolve it, so an offline module never reads `auto`. */
function cardBackendKind(spec: BackendSpec | undefined, env: NodeJS.ProcessEnv | undefined): string {
  if (spec === undefined || typeof spec === 'string') return resolveBackendKind(spec ?? 'auto', env ?? process.env);
  // A factory is only called when an instance opens; its kind is not known before.
  return typeof spec === 'function' ? 'custom' : spec.kind;
}
