import { mkdirSync } from 'node:fs';
import { dashboardPageUrl, startDashboardServer } from '../../dashboard/index.ts';
import { createLogger } from '../../logging/index.ts';
import { prepareSecurity } from '../../security/index.ts';
import { startSystem } from '../../system/index.ts';
import { runDemo } from '../demo.ts';
import { defineCommand } from '../define-command.ts';
import { DEFAULT_DATA, withTls } from '../options.ts';
import { tlsListener } from '../tls-listener.ts';
import { untilSignal } from '../until-signal.ts';

export const upCommand = defineCommand(
  'up',
  'start the embedded broker, the recorder, marker and arangodb in one process',
  (y) =>
    withTls(y)
      .option('port', { type: 'number', default: 1883 })
      .option('ws-port', { type: 'number', default: 8083, describe: 'MQTT over WebSocket (dashboards, browsers)' })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('data', { type: 'string', default: DEFAULT_DATA, describe: 'folder for the database, ingest output and credentials' })
      .option('insecure', { type: 'boolean', default: false, describe: 'run the broker without authentication and ACLs' })
      .option('dashboard-port', { type: 'number', default: 8080, describe: 'read-only dashboard web page; 0 = free port' })
      .option('dashboard', { type: 'boolean', default: true, describe: 'serve the dashboard (over the WebSocket listener)' })
      .option('retention-days', { type: 'number', default: 30, describe: 'delete recorded messages and ended conversations older than this' })
      .option('demo', { type: 'boolean', default: false, describe: 'run the flagship demo, print it, and exit' })
      .option('pdf', { type: 'string', describe: 'PDF for the demo (default: the generated sample, <data>/samples/sample.pdf)' })
      .option('max-pages', { type: 'number' }),
  async (argv) => {
    const logger = createLogger('comms', process.env.COMMS_LOG_LEVEL ?? (argv.demo ? 'warn' : 'info'));
    mkdirSync(argv.data, { recursive: true });
    const security = argv.insecure ? undefined : await prepareSecurity(argv.data, ['marker', 'arangodb', 'orchestrator', 'client']);
    const system = await startSystem({
      host: argv.host,
      port: argv.demo ? 0 : argv.port,
      wsPort: argv.demo ? 0 : argv.wsPort,
      tls: await tlsListener(argv),
      dataDir: argv.data,
      access: security?.access,
      credentials: security?.logins,
      retentionDays: argv.retentionDays,
      logger,
    });
    if (security) logger.info({ file: security.secretsFile }, 'security on: actor passwords are in this file');
    if (argv.demo) {
      try {
        await runDemo(system, { pdf: argv.pdf, maxPages: argv.maxPages, logger, credentials: security?.logins.client });
      } finally {
        await system.stop();
      }
      return;
    }
    const wsUrl = system.broker.wsUrl;
    const dashboard = argv.dashboard && wsUrl ? await startDashboardServer({ host: argv.host, port: argv.dashboardPort, wsUrl }) : undefined;
    process.stdout.write(`comms up: broker ${system.broker.url} (ws ${wsUrl}${system.broker.tlsUrl ? `, tls ${system.broker.tlsUrl}` : ''}), database ${system.dbPath}${security ? `, credentials ${security.secretsFile}` : ' (insecure)'}\n`);
    if (dashboard && wsUrl) {
      // The observer password stays in secrets.json: stdout often ends up in logs.
      const page = dashboardPageUrl(dashboard.url, { wsUrl, ...(security ? { username: 'observer' } : {}) });
      process.stdout.write(`dashboard: ${page}${security ? `&password=<observer password from ${security.secretsFile}>` : ''}\n`);
    }
    await untilSignal(async () => {
      await dashboard?.close();
      await system.stop();
    });
  },
);
