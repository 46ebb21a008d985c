import { join } from 'node:path';
import { startBroker, type AccessPolicy, type EmbeddedBroker } from '../broker/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { createOrchestrator, type Orchestrator } from '../actors/orchestrator/index.ts';
import type { Actor } from '../actors/runtime/index.ts';
import type { ArangoTarget } from '../ingest/index.ts';
import { createLogger, type Logger } from '../logging/index.ts';

export interface SystemOptions {
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
  /** Delete records older than this (the database must not grow without bound). */
  retentionDays?: number;
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
  });
  const login = (module: string) => options.credentials?.[module] ?? {};
  const dbPath = join(options.dataDir, 'comms.db');
  const outDir = options.outDir ?? join(options.dataDir, 'ingest');
  // What has been created so far, stopped newest first: also when a later part fails to start, so
  // a failed start never leaves the broker holding its port and keeping the process alive.
  const stops: Array<() => Promise<void>> = [() => broker.close()];
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
    stops.push(() => recorder.stop());
    await recorder.start();
    const actors = [
      createArangodbActor({ url: broker.url, outDir, ...(options.arango !== undefined ? { arango: options.arango } : {}), ...login('arangodb'), logger: logger.child({ module: 'arangodb' }) }),
      createMarkerActor({ url: broker.url, ...login('marker'), logger: logger.child({ module: 'marker' }) }),
    ];
    for (const actor of actors) {
      stops.push(() => actor.stop());
      await actor.start();
    }
    // Workflows in flight when the process last stopped continue from data/workflows.db.
    const orchestrator = createOrchestrator({ url: broker.url, statePath: join(options.dataDir, 'workflows.db'), ...login('orchestrator'), logger: logger.child({ module: 'orchestrator' }) });
    stops.push(() => orchestrator.stop());
    await orchestrator.start();
    return { broker, recorder, orchestrator, actors, dbPath, outDir, stop: stopStarted };
  } catch (err) {
    await stopStarted();
    throw err;
  }
}
