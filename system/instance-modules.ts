import { join } from 'node:path';
import { createAdvisor, type AdvisorQuery } from '../actors/advisor/index.ts';
import { createInstanceBackedActor, createInstanceManager } from '../actors/instance-backed/index.ts';
import type { Actor } from '../actors/runtime/index.ts';
import { jsonSchemaType, resolveConfigBackend, type CommsConfig, type ConfigModule, type ConfigQuery } from '../config/index.ts';
import { SqliteInstanceStore, type InstancePool, type InstanceStore } from '../instances/index.ts';
import type { Logger } from '../logging/index.ts';
import { INSTANCES_MODULE } from '../protocol/index.ts';

/** One module from comms.config.json, started. */
export interface HostedModule {
  name: string;
  backend: string;
  actor: Actor;
  pool: InstancePool;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface InstanceHostOptions {
  config: CommsConfig;
  url: string;
  dataDir: string;
  login: (module: string) => { username?: string; password?: string };
  logger: Logger;
  /** Environment the `auto` backend reads. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface InstanceHost {
  modules: HostedModule[];
  /** The `instances` module: `comms instances` and `comms instance ...` ask it. */
  manager: Actor;
  store: SqliteInstanceStore;
}

/** Module names `comms up` needs credentials for, beyond the fixed system modules. */
export function instanceModuleNames(config: CommsConfig): string[] {
  return [...config.modules.map((m) => m.name), INSTANCES_MODULE];
}

/**
 * The instance-backed modules of the config (not started) and the `instances` manager over their
 * pools, sharing one instances.db: stored idle instances are reopened with their history, paused
 * ones stay paused across restarts.
 */
export function createInstanceHost(options: InstanceHostOptions): InstanceHost {
  const store = new SqliteInstanceStore(join(options.dataDir, 'instances.db'));
  const modules = options.config.modules.map((m) => hostedModule(m, store, options));
  const manager = createInstanceManager({ url: options.url, pools: modules.map((m) => m.pool), store, ...options.login(INSTANCES_MODULE), logger: options.logger.child({ module: INSTANCES_MODULE }) });
  return { modules, manager, store };
}

function hostedModule(m: ConfigModule, store: InstanceStore, options: InstanceHostOptions): HostedModule {
  const backend = resolveConfigBackend(m.backend, options.env);
  const pool = {
    maxSize: m.pool?.size ?? 2,
    idleMs: m.pool?.idleTimeoutMs ?? 300_000,
    resumeStored: true,
    instance: { store, backendOptions: m.model ? { anthropic: { model: m.model }, claudeCode: { model: m.model } } : {} },
  };
  const common = { name: m.name, url: options.url, ...(m.version ? { version: m.version } : {}), ...options.login(m.name), logger: options.logger.child({ module: m.name }) };
  if (m.kind === 'advisor') {
    const advisor = createAdvisor({
      ...common,
      ...(m.description ? { description: m.description } : {}),
      backend,
      ...(m.model ? { model: m.model } : {}),
      ...(m.queries ? { queries: m.queries.filter((q): q is AdvisorQuery => typeof q === 'string') } : {}),
      ...(m.history ? { historyConversations: m.history.conversations } : {}),
      pool,
    });
    return { name: m.name, ...advisor };
  }
  const queries = (m.queries ?? []).filter((q): q is ConfigQuery => typeof q !== 'string').map((q) => ({
    schema: q.schema,
    description: q.description,
    request: jsonSchemaType(q.request),
    responseSchemaId: q.responseSchemaId,
    response: jsonSchemaType(q.response),
  }));
  const module = createInstanceBackedActor({ ...common, description: m.description ?? `${m.name}: answered by LLM instances`, queries, pool: { ...pool, instance: { ...pool.instance, backend } } });
  return { name: m.name, backend, ...module };
}
