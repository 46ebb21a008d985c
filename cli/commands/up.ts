import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createLogger } from '../../logging/index.ts';
import { SYSTEM_MODULES } from '../system-users.ts';
import { defineCommand } from '../define-command.ts';
import { filePath, positiveInteger, tcpPort } from '../flag-values.ts';
import { replicaCountsFor, replicaFlags } from '../replica-flags.ts';
import { DEFAULT_DATA, withTls } from '../options.ts';
import { embeddingsConfig, withEmbeddings } from '../embeddings-flag.ts';
import { untilSignal } from '../until-signal.ts';
import { retentionPolicy, withRetention } from '../retention-options.ts';

export const upCommand = defineCommand(
  'up',
  'start the embedded broker, the recorder, marker and arangodb in one process',
  (y) =>
    withEmbeddings(withRetention(withTls(y), 30))
      .option('port', { default: 1883, coerce: tcpPort('--port', { allowAny: true }) })
      .option('ws-port', { default: 8083, describe: 'MQTT over WebSocket (dashboards, browsers)', coerce: tcpPort('--ws-port', { allowAny: true }) })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('url', { type: 'string', describe: 'use this running broker (e.g. mosquitto from `comms mosquitto-config`) instead of starting one; the listener options are then unused' })
      .option('ws-url', { type: 'string', describe: "with --url: the broker's MQTT-over-WebSocket URL, for the dashboard" })
      .option('data', { type: 'string', default: DEFAULT_DATA, describe: 'folder for the database, ingest output and credentials' })
      .option('insecure', { type: 'boolean', default: false, describe: 'run the broker without authentication and ACLs' })
      .option('dashboard-port', { type: 'number', default: 8080, describe: 'read-only dashboard web page; 0 = free port' })
      .option('dashboard', { type: 'boolean', default: true, describe: 'serve the dashboard (over the WebSocket listener)' })
      .option('broker-state', { coerce: filePath('--broker-state', ['memory']), describe: "broker state SQLite file (default DATA/broker.db); 'memory' keeps it in memory" })
      .option('demo', { type: 'boolean', default: false, describe: 'run the flagship demo, print it, and exit' })
      .option('pdf', { type: 'string', describe: 'PDF for the demo (default: the generated sample, <data>/samples/sample.pdf); marker may read its folder' })
      .option('inputs', { type: 'string', array: true, describe: 'a folder marker may read PDFs from by path, besides DATA/inputs (repeatable)' })
      .option('max-pages', { coerce: positiveInteger('--max-pages') })
      .option('config', { type: 'string', describe: 'instance-backed modules to host (docs/instances.md); default ./comms.config.json if present, else the built-in advisor' })

      .option('replicas', { type: 'string', array: true, coerce: replicaFlags, describe: 'run MODULE as N replicas sharing its inbox, e.g. marker=3 (repeatable; needs --url with mosquitto, docs/scaling.md)' }),
  async (argv) => {
    // The system loads here, not at start-up, so `comms --help` and the read commands start quickly.
    const { dashboardPageUrl, startDashboardServer } = await import('../../dashboard/index.ts');
    const { prepareSecurity, watchCredentials } = await import('../../security/index.ts');
    const { loadCommsConfig } = await import('../../config/index.ts');
    const { instanceModuleNames, REPLICABLE_MODULES, startSystem } = await import('../../system/index.ts');
    const replicas = replicaCountsFor(argv.replicas, REPLICABLE_MODULES);
    const { tlsListener } = await import('../tls-listener.ts');
    const logger = createLogger('comms', process.env.COMMS_LOG_LEVEL ?? (argv.demo ? 'warn' : 'info'));
    mkdirSync(argv.data, { recursive: true });
    const config = loadCommsConfig(argv.config);
    const security = argv.insecure ? undefined : await prepareSecurity(argv.data, [...SYSTEM_MODULES, ...instanceModuleNames(config.config)]);
    const system = await startSystem({
      url: argv.url,
      host: argv.host,
      port: argv.demo ? 0 : argv.port,
      wsPort: argv.demo ? 0 : argv.wsPort,
      tls: argv.url === undefined ? await tlsListener(argv) : undefined,
      dataDir: argv.data,
      access: security?.access,
      credentials: security?.logins,
      retention: retentionPolicy(argv),
      embeddings: embeddingsConfig(argv.embeddings),
      brokerState: argv.brokerState,
      inputRoots: inputRoots(argv),
      config: config.config,
      replicas,
      logger,
    });
    if (security) logger.info({ file: security.secretsFile }, 'security on: actor passwords are in this file');
    if (argv.demo) {
      try {
        const { runDemo } = await import('../demo.ts');
        await runDemo(system, { pdf: argv.pdf, maxPages: argv.maxPages, logger, credentials: security?.logins.client });
      } finally {
        await system.stop();
      }
      return;
    }
    // `comms user add|passwd|remove` in another shell takes effect for new logins without a restart.
    const credentialsWatch = security && !system.broker.external ? watchCredentials(security.credentialsFile, security.access, logger) : undefined;
    const wsUrl = system.broker.wsUrl ?? argv.wsUrl;
    const dashboard = argv.dashboard && wsUrl ? await startDashboardServer({ host: argv.host, port: argv.dashboardPort, wsUrl, secured: security !== undefined }) : undefined;
    process.stdout.write(`comms up: ${system.broker.external ? 'external ' : ''}broker ${system.broker.url} (ws ${wsUrl ?? 'none'}${system.broker.tlsUrl ? `, tls ${system.broker.tlsUrl}` : ''}), database ${system.dbPath}${security ? `, credentials ${security.secretsFile}` : ' (insecure)'}\n`);
    const hosted = system.instances?.modules.map((m) => `${m.name} (${m.backend})`).join(', ');
    process.stdout.write(`instance-backed modules: ${hosted || 'none'} from ${config.source}; instances in ${join(argv.data, 'instances.db')}\n`);
    if (dashboard && wsUrl) {
      // The page asks for the login in a form: no password in the URL, stdout often ends up in logs.
      const page = dashboardPageUrl(dashboard.url, { wsUrl, ...(security ? { username: 'operator' } : {}) });
      process.stdout.write(`dashboard: ${page}${security ? ` (log in as operator or observer; passwords in ${security.secretsFile})` : ''}\n`);
    }
    await untilSignal(async () => {
      credentialsWatch?.close();
      await dashboard?.close();
      await system.stop();
    });
  },
);

/**
 * Folders marker may read besides DATA/inputs: each --inputs, and the folder of the PDF the demo
 * converts (--pdf, or DATA/samples where the demo writes the generated sample).
 */
function inputRoots(argv: { inputs?: string[]; pdf?: string; demo: boolean; data: string }): string[] {
  const demoFolder = argv.pdf ? [dirname(resolve(argv.pdf))] : argv.demo ? [join(argv.data, 'samples')] : [];
  return [...(argv.inputs ?? []), ...demoFolder].map((dir) => resolve(dir));
}
