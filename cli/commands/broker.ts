import { createLogger } from '../../logging/index.ts';
import { join } from 'node:path';
import { resolveDataDir } from '../data-dir.ts';
import { defineCommand } from '../define-command.ts';
import { filePath, tcpPort } from '../flag-values.ts';
import { withTls } from '../options.ts';
import { untilSignal } from '../until-signal.ts';

export const brokerCommand = defineCommand(
  'broker',
  'run only the embedded MQTT broker',
  (y) =>
    withTls(y)
      .option('port', { default: 1883, describe: 'MQTT listener port (0: any free port)', coerce: tcpPort('--port', { allowAny: true }) })
      .option('ws-port', { describe: 'MQTT-over-WebSocket listener port', coerce: tcpPort('--ws-port', { allowAny: true }) })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('state', { coerce: filePath('--state', ['memory']), describe: "SQLite file for sessions, queued messages, retained messages and wills (default DATA/broker.db); 'memory' keeps them in memory" }),
  async (argv) => {
    const { startBroker } = await import('../../broker/index.ts');
    const { tlsListener } = await import('../tls-listener.ts');
    const logger = createLogger('broker');
    const state = argv.state ?? join(resolveDataDir().path, 'broker.db');
    const statePath = state === 'memory' ? undefined : state;
    const broker = await startBroker({ host: argv.host, port: argv.port, wsPort: argv.wsPort, tls: await tlsListener(argv), statePath, onDenied: (what) => logger.warn({ what }, 'denied') });
    process.stdout.write(`broker listening on ${[broker.url, broker.wsUrl, broker.tlsUrl].filter(Boolean).join(', ')}\n`);
    await untilSignal(() => broker.close());
  },
);
