import { join } from 'node:path';
import { startBroker, type AccessPolicy, type EmbeddedBroker } from '../broker/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { createOrchestrator, type Orchestrator } from '../actors/orchestrator/index.ts';
import type { Actor } from '../actors/runtime/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';

export interface SystemOptions {
  host?: string;
  port?: number;
  wsPort?: number;
  /** MQTTS listener besides plain TCP. */
  tls?: { port: number; key: Buffer; cert: Buffer };
  dataDir: string;
  /** When set, the broker enforces it and each actor logs in with its own credentials. */
  access?: AccessPolicy;
  credentials?: Record<string, { username: string; password: string }>;
  /** Delete records older than this (the database must not grow without bound). */
  retentionDays?: number;
  /** The broker's state file (sessions, queued messages, retained, wills); default {dataDir}/broker.db; 'memory' keeps it in memory. */
  brokerState?: string;
  logger?: Logger;
}

export interface RunningSystem {
  broker: EmbeddedBroker;
  recorder: Recorder;
  orchestrator: Orchestrator;
  actors: Actor[];
  dbPath: string;
  outDir: string;
  stop(): Promise<void>;
}

/** `comms up`: the embedded broker, the recorder and the default actors, in one process. */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const logger = options.logger ?? createLogger('comms');
  const broker = await startBroker({
    host: options.host,
    port: options.port,
    wsPort: options.wsPort,
    tls: options.tls,
    access: options.access,
    onDenied: (what) => logger.warn({ what }, 'broker denied'),
    statePath: options.brokerState === 'memory' ? undefined : (options.brokerState ?? join(options.dataDir, 'broker.db')),
  });
  const login = (module: string) => options.credentials?.[module] ?? {};
  const dbPath = join(options.dataDir, 'comms.db');
  const outDir = join(options.dataDir, 'ingest');
  const recorder = createRecorder({
    url: broker.url,
    dbPath,
    ...login('recorder'),
    ...(options.retentionDays ? { retention: { maxAgeMs: options.retentionDays * 86_400_000 } } : {}),
    logger: logger.child({ module: 'recorder' }),
  });
  await recorder.start();
  const actors = [
    createArangodbActor({ url: broker.url, outDir, ...login('arangodb'), logger: logger.child({ module: 'arangodb' }) }),
    createMarkerActor({ url: broker.url, ...login('marker'), logger: logger.child({ module: 'marker' }) }),
  ];
  for (const actor of actors) await actor.start();
  // Workflows in flight when the process last stopped continue from data/workflows.
  const orchestrator = createOrchestrator({ url: broker.url, stateDir: join(options.dataDir, 'workflows'), ...login('orchestrator'), logger: logger.child({ module: 'orchestrator' }) });
  await orchestrator.start();
  return {
    broker,
    recorder,
    orchestrator,
    actors,
    dbPath,
    outDir,
    async stop() {
      await orchestrator.stop().catch(() => {});
      for (const actor of actors.reverse()) await actor.stop().catch(() => {});
      await recorder.stop();
      await broker.close();
    },
  };
}
