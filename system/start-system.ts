import { join } from 'node:path';
import { startBroker, type AccessPolicy, type EmbeddedBroker } from '../broker/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { createOrchestrator, type Orchestrator } from '../actors/orchestrator/index.ts';
import type { Actor } from '../actors/runtime/index.ts';
import type { ArangoTarget } from '../ingest/index.ts';
import { stopWithin } from './bounded-stop.ts';
import { createLogger, type Logger } from '../logging/index.ts';
import type { CommsConfig } from '../config/index.ts';
import { createInstanceHost, type InstanceHost } from './instance-modules.ts';

export interface SystemOptions {
  /** An external broker (e.g. mosquitto from `comms mosquitto-config`): no broker is started, the listener options are ignored. */
  url?: string;
  host?: string;
  port?: number;
  wsPort?: number;
  /** MQTTS listener besides plain TCP. */
  tls?: { port: number; key: Buffer; cert: Buffer };
  dataDir: string;
  /** arangodb's JSONL output root; default `{dataDir}/ingest`. */
  outDir?: string;
  /** arangodb's ArangoDB target; default from ARANGO_* environment variables, false for JSONL only. */
  arango?: ArangoTarget | false;
  /** When set, the broker enforces it and each actor logs in with its own credentials. */
  access?: AccessPolicy;
  credentials?: Record<string, { username: string; password: string }>;
  /** Folders marker may read PDFs from by path, besides `{dataDir}/inputs` (docs/security.md, File access by policy). */
  inputRoots?: readonly string[];
  /** Delete records older than this (the database must not grow without bound). */
  retentionDays?: number;
  /** The broker's state file (sessions, queued messages, retained, wills); default {dataDir}/broker.db; 'memory' keeps it in memory. */
  brokerState?: string;
  logger?: Logger;
  /** Instance-backed modules to host (comms.config.json, see config/); with them runs the `instances` manager. None when absent. */
  config?: CommsConfig;
}

/** Where the system's broker listens; `external` when it was not started here. */
export interface SystemBroker {
  url: string;
  wsUrl?: string;
  tlsUrl?: string;
  external: boolean;
}

export interface RunningSystem {
  broker: SystemBroker;
  recorder: Recorder;
  orchestrator: Orchestrator;
  actors: Actor[];
  /** The config's instance-backed modules and the `instances` manager, when a config was given. */
  instances?: InstanceHost;
  dbPath: string;
  outDir: string;
  stop(): Promise<void>;
}

/** `comms up`: the embedded broker (unless `url` names an external one), the recorder and the default actors, in one process. */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const logger = options.logger ?? createLogger('comms');
  const embedded = options.url === undefined ? await startEmbeddedBroker(options, logger) : undefined;
  const broker: SystemBroker = embedded
    ? { url: embedded.url, wsUrl: embedded.wsUrl, tlsUrl: embedded.tlsUrl, external: false }
    : { url: options.url as string, external: true };
  const login = (module: string) => options.credentials?.[module] ?? {};
  const dbPath = join(options.dataDir, 'comms.db');
  const outDir = options.outDir ?? join(options.dataDir, 'ingest');
  // What has been created so far, stopped newest first: also when a later part fails to start, so
  // a failed start never leaves the broker holding its port and keeping the process alive.
  const stops: Array<() => Promise<void>> = embedded ? [() => stopWithin('broker', () => embedded.close(), logger)] : [];
  const stopStarted = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch((err: unknown) => logger.warn({ err }, 'system shutdown step failed'));
  };
  try {
    const recorder = createRecorder({
      url: broker.url,
      dbPath,
      ...login('recorder'),
      ...(options.retentionDays ? { retention: { maxAgeMs: options.retentionDays * 86_400_000 } } : {}),
      logger: logger.child({ module: 'recorder' }),
    });
    stops.push(() => stopWithin('recorder', () => recorder.stop(), logger));
    await recorder.start();
    const actors = [
      createArangodbActor({ url: broker.url, outDir, ...(options.arango !== undefined ? { arango: options.arango } : {}), ...login('arangodb'), logger: logger.child({ module: 'arangodb' }) }),
      createMarkerActor({ url: broker.url, inputRoots: [join(options.dataDir, 'inputs'), ...(options.inputRoots ?? [])], ...login('marker'), logger: logger.child({ module: 'marker' }) }),
    ];
    for (const actor of actors) {
      stops.push(() => stopWithin(actor.name, () => actor.stop(), logger, { force: () => actor.kill() }));
      await actor.start();
    }
    const instances = options.config ? await startInstanceHost(options.config, broker.url, options, login, logger, stops) : undefined;
    // Workflows in flight when the process last stopped continue from data/workflows.db.
    const orchestrator = createOrchestrator({ url: broker.url, statePath: join(options.dataDir, 'workflows.db'), ...login('orchestrator'), logger: logger.child({ module: 'orchestrator' }) });
    stops.push(() => stopWithin('orchestrator', () => orchestrator.stop(), logger, { force: () => orchestrator.kill() }));
    await orchestrator.start();
    return { broker, recorder, orchestrator, actors, ...(instances ? { instances } : {}), dbPath, outDir, stop: stopStarted };
  } catch (err) {
    await stopStarted();
    throw err;
  }
}

/** The config's modules and the manager, each stop registered as soon as it exists; instances.db closes after all of them. */
async function startInstanceHost(
  config: CommsConfig,
  url: string,
  options: SystemOptions,
  login: (module: string) => { username?: string; password?: string },
  logger: Logger,
  stops: Array<() => Promise<void>>,
): Promise<InstanceHost> {
  const host = createInstanceHost({ config, url, dataDir: options.dataDir, login, logger });
  stops.push(async () => host.store.close());
  for (const module of [...host.modules, { name: host.manager.name, start: () => host.manager.start(), stop: () => host.manager.stop() }]) {
    stops.push(() => stopWithin(module.name, () => module.stop(), logger));
    await module.start();
  }
  return host;
}

function startEmbeddedBroker(options: SystemOptions, logger: Logger): Promise<EmbeddedBroker> {
  return startBroker({
    host: options.host,
    port: options.port,
    wsPort: options.wsPort,
    tls: options.tls,
    access: options.access,
    onDenied: (what) => logger.warn({ what }, 'broker denied'),
    statePath: options.brokerState === 'memory' ? undefined : (options.brokerState ?? join(options.dataDir, 'broker.db')),
  });
}
