import type { InstancePool, InstanceRecord, InstanceStore, StoredTurn } from '../../instances/index.ts';
import {
  CommsError,
  InstanceControl,
  InstanceControlResult,
  InstanceHistory,
  InstanceHistoryResult,
  InstancesList,
  InstancesListing,
  INSTANCE_CONTROL_RESULT_SCHEMA_ID,
  INSTANCE_CONTROL_SCHEMA_ID,
  INSTANCE_HISTORY_RESULT_SCHEMA_ID,
  INSTANCE_HISTORY_SCHEMA_ID,
  INSTANCES_LIST_SCHEMA_ID,
  INSTANCES_LISTING_SCHEMA_ID,
  INSTANCES_MODULE,
  type InstanceListItem,
} from '../../protocol/index.ts';
import { Actor, defineQuery, type ActorOptions } from '../runtime/index.ts';
import { historyPage } from './history-page.ts';

export interface InstanceManagerOptions extends Omit<ActorOptions, 'name'> {
  /** Default `instances`. */
  name?: string;
  /** The pools of the instance-backed modules the system hosts. */
  pools: readonly InstancePool[];
  /** Where their instances are kept (instances.db): stored instances are listed and controlled too. */
  store: InstanceStore;
}

/**
 * The `instances` module (docs/instances.md, Managing instances): lists the instances of every
 * hosted pool, open or stored, and pauses, resumes or terminates one by id. An open instance is
 * told through its state machine; a stored one (closed when idle, or from before a restart) gets
 * its record changed, which the pool honours when it reopens instances. The history of any
 * stored instance, terminated ones included, is read from the store (instances.db).
 */
export function createInstanceManager(options: InstanceManagerOptions): Actor {
  const { pools, store } = options;
  const actor = new Actor({ ...options, name: options.name ?? INSTANCES_MODULE, description: 'Lists and controls the LLM instances of the instance-backed modules, and shows their history (comms instances).' });
  const openInstance = (id: string) => pools.map((p) => p.get(id)).find((i) => i !== undefined && !i.isClosed);

  async function known(id: string): Promise<InstanceRecord> {
    const rec = await store.loadInstance(id);
    if (!rec) throw new CommsError('E_NOT_FOUND', `No instance ${id}. List them with \`comms instances\`.`, { id, hint: 'list the instances, stored ones included, with `comms instances`' });
    return rec;
  }

  async function describe(rec: InstanceRecord, turns?: readonly StoredTurn[]): Promise<InstanceListItem> {
    const live = openInstance(rec.id);
    turns ??= await store.loadTurns(rec.id);
    const state = live ? live.state : rec.status === 'idle' ? 'closed' : rec.status;
    return { id: rec.id, module: rec.module, backend: rec.backend, state, open: live !== undefined, turns: turns.length, lastUsed: turns.at(-1)?.at ?? null, createdAt: rec.createdAt };
  }

  async function control(body: InstanceControl): Promise<InstanceListItem> {
    const rec = await known(body.id);
    if (rec.status === 'terminated') throw new CommsError('E_NOT_FOUND', `Instance ${body.id} is terminated; it cannot be ${body.command}d.`, { id: body.id });
    const live = openInstance(body.id);
    if (live) await live[body.command]();
    else await store.saveInstance({ ...rec, status: STORED_STATUS[body.command], updatedAt: new Date().toISOString() });
    const after = await store.loadInstance(body.id);
    return describe(after ?? rec);
  }

  actor.handle(
    defineQuery({
      schema: INSTANCES_LIST_SCHEMA_ID,
      description: 'The instances of every instance-backed module (state, turns, last use), stored ones included.',
      request: InstancesList,
      responseSchemaId: INSTANCES_LISTING_SCHEMA_ID,
      response: InstancesListing,
      handle: async (body) => ({ instances: await Promise.all((await store.listInstances(body.module)).map((rec) => describe(rec))) }),
    }),
  );
  async function history(body: InstanceHistory): Promise<InstanceHistoryResult> {
    const rec = await known(body.id);
    const turns = await store.loadTurns(rec.id);
    return { instance: await describe(rec, turns), ...historyPage(turns, body) };
  }

  actor.handle(
    defineQuery({
      schema: INSTANCE_HISTORY_SCHEMA_ID,
      description: "One instance's turns, oldest first (the last `limit`, or those before turn `before`), from instances.db: they survive restarts.",
      request: InstanceHistory,
      responseSchemaId: INSTANCE_HISTORY_RESULT_SCHEMA_ID,
      response: InstanceHistoryResult,
      handle: history,
    }),
  );
  actor.handle(
    defineQuery({
      schema: INSTANCE_CONTROL_SCHEMA_ID,
      description: 'Pause, resume or terminate one instance; kept across restarts.',
      request: InstanceControl,
      responseSchemaId: INSTANCE_CONTROL_RESULT_SCHEMA_ID,
      response: InstanceControlResult,
      handle: async (body) => ({ instance: await control(body) }),
    }),
  );
  return actor;
}

const STORED_STATUS = { pause: 'paused', resume: 'idle', terminate: 'terminated' } as const;
