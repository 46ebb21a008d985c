#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startBroker } from '../broker/index.ts';
import { Actor, openBusConnection } from '../actors/runtime/index.ts';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { createRecorder } from '../actors/recorder/index.ts';
import { runMarkerToArangodb } from '../actors/flagship/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError, newId, Topics, type ConversationStateName } from '../protocol/index.ts';
import { CommsQueries } from '../storage/index.ts';
import { runDemo } from './demo.ts';
import { formatStatus, printJson, progressBar } from './print.ts';
import { startSystem } from '../system/index.ts';
import { dashboardPageUrl, startDashboardServer } from '../dashboard/index.ts';
import { loadTlsFiles, prepareSecurity } from '../security/index.ts';

const DEFAULT_DATA = resolve(process.env.COMMS_DATA ?? 'data');
const DEFAULT_URL = process.env.COMMS_URL ?? 'mqtt://127.0.0.1:1883';

const withBus = <T>(y: Argv<T>) =>
  y
    .option('url', { type: 'string', default: DEFAULT_URL, describe: 'broker URL (embedded or any MQTT 3.1.1 broker)' })
    .option('username', { type: 'string', default: process.env.COMMS_USERNAME, describe: 'broker username' })
    .option('password', { type: 'string', default: process.env.COMMS_PASSWORD, describe: 'broker password' });

const withDb = <T>(y: Argv<T>) => y.option('db', { type: 'string', default: resolve(DEFAULT_DATA, 'comms.db'), describe: 'recorder SQLite file' }).option('json', { type: 'boolean', default: false });

const withTls = <T>(y: Argv<T>) =>
  y
    .option('tls-port', { type: 'number', default: 8883, describe: 'MQTTS port (with --tls-key and --tls-cert)' })
    .option('tls-key', { type: 'string', describe: 'PEM private key: turns on the MQTTS listener' })
    .option('tls-cert', { type: 'string', describe: 'PEM certificate matching --tls-key' });

/** The MQTTS listener settings when both files are given; a mismatched pair is E_CONFIG_INVALID. */
async function tlsListener(argv: { tlsPort: number; tlsKey?: string; tlsCert?: string }): Promise<{ port: number; key: Buffer; cert: Buffer } | undefined> {
  if (!argv.tlsKey && !argv.tlsCert) return undefined;
  if (!argv.tlsKey || !argv.tlsCert) throw new CommsError('E_CONFIG_INVALID', 'MQTTS needs both --tls-key and --tls-cert.');
  const { key, cert } = await loadTlsFiles({ keyPath: argv.tlsKey, certPath: argv.tlsCert });
  return { port: argv.tlsPort, key, cert };
}

/** Keep a long-running command alive until Ctrl-C / SIGTERM, then stop it cleanly. */
function untilSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise((done) => {
    const shutdown = () => void stop().finally(done);
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
}

await yargs(hideBin(process.argv))
  .scriptName('comms')
  .usage('$0 <command> [options]')
  .command(
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
  )
  .command(
    'dashboard',
    "serve the read-only dashboard page for a broker's MQTT-over-WebSocket listener",
    (y) =>
      y
        .option('ws', { type: 'string', default: process.env.COMMS_WS_URL ?? 'ws://127.0.0.1:8083', describe: 'broker MQTT-over-WebSocket URL' })
        .option('port', { type: 'number', default: 8080 })
        .option('host', { type: 'string', default: '127.0.0.1' })
        .option('username', { type: 'string', default: process.env.COMMS_USERNAME ?? 'observer' })
        .option('password', { type: 'string', default: process.env.COMMS_PASSWORD }),
    async (argv) => {
      const dashboard = await startDashboardServer({ host: argv.host, port: argv.port, wsUrl: argv.ws });
      process.stdout.write(`dashboard: ${dashboardPageUrl(dashboard.url, { wsUrl: argv.ws, username: argv.username, password: argv.password })}\n`);
      await untilSignal(() => dashboard.close());
    },
  )
  .command(
    'broker',
    'run only the embedded MQTT broker',
    (y) => withTls(y).option('port', { type: 'number', default: 1883 }).option('ws-port', { type: 'number' }).option('host', { type: 'string', default: '127.0.0.1' }),
    async (argv) => {
      const logger = createLogger('broker');
      const broker = await startBroker({ host: argv.host, port: argv.port, wsPort: argv.wsPort, tls: await tlsListener(argv), onDenied: (what) => logger.warn({ what }, 'denied') });
      process.stdout.write(`broker listening on ${[broker.url, broker.wsUrl, broker.tlsUrl].filter(Boolean).join(', ')}\n`);
      await untilSignal(() => broker.close());
    },
  )
  .command(
    'recorder',
    'run the recorder actor (writes every message to SQLite)',
    (y) => withDb(withBus(y)).option('retention-days', { type: 'number', describe: 'delete records older than this many days' }),
    async (argv) => {
      const recorder = createRecorder({
        url: argv.url,
        dbPath: argv.db,
        username: argv.username,
        password: argv.password,
        ...(argv.retentionDays ? { retention: { maxAgeMs: argv.retentionDays * 86_400_000 } } : {}),
      });
      await recorder.start();
      process.stdout.write(`recorder: ${argv.url} -> ${argv.db}\n`);
      await untilSignal(() => recorder.stop());
    },
  )
  .command(
    'actor <name>',
    'run one actor in its own process (marker, arangodb)',
    (y) =>
      withBus(y)
        .positional('name', { choices: ['marker', 'arangodb'] as const, demandOption: true })
        .option('out', { type: 'string', default: resolve(DEFAULT_DATA, 'ingest'), describe: 'arangodb: JSONL output folder' }),
    async (argv) => {
      const auth = { url: argv.url, username: argv.username, password: argv.password };
      const actor = argv.name === 'marker' ? createMarkerActor(auth) : createArangodbActor({ ...auth, outDir: argv.out });
      await actor.start();
      process.stdout.write(`${argv.name} online at ${argv.url}\n`);
      await untilSignal(() => actor.stop());
    },
  )
  .command(
    'ask <module> <schema> [body]',
    'send one request and print the reply',
    (y) =>
      withBus(y)
        .positional('module', { type: 'string', demandOption: true })
        .positional('schema', { type: 'string', demandOption: true, describe: 'e.g. pdf.requirements.query@1' })
        .positional('body', { type: 'string', default: '{}', describe: 'JSON body' })
        .option('timeout', { type: 'number', default: 30_000 }),
    async (argv) => {
      let body: unknown;
      try {
        body = JSON.parse(argv.body);
      } catch (err) {
        throw new CommsError('E_JSON_INVALID', `body is not JSON: ${(err as Error).message}`);
      }
      const actor = new Actor({ name: 'client', clientId: `client-${newId()}`, url: argv.url, username: argv.username, password: argv.password, logger: createLogger('client', 'warn') });
      await actor.start();
      try {
        const conversation = actor.request(argv.module, argv.schema, body, { timeoutMs: argv.timeout });
        conversation.on('progress', (p) => process.stderr.write(`${progressBar(p.percent ?? 0)} ${p.stage ?? ''} ${p.note ?? ''}\n`));
        printJson(await conversation.result);
      } finally {
        await actor.stop();
      }
    },
  )
  .command(
    'run marker-to-arangodb',
    'the flagship: marker converts a PDF to arangodb\'s required format and hands it over',
    (y) =>
      y
        .option('pdf', { type: 'string', demandOption: true })
        .option('pdf-password', { type: 'string' })
        .option('out', { type: 'string', default: resolve(DEFAULT_DATA, 'ingest') })
        .option('max-pages', { type: 'number' })
        .option('url', { type: 'string', describe: 'use a running system; without it an embedded broker and the actors start here' })
        .option('username', { type: 'string', default: process.env.COMMS_USERNAME })
        .option('password', { type: 'string', default: process.env.COMMS_PASSWORD }),
    async (argv) => {
      const { result, conversationId } = await runMarkerToArangodb({
        url: argv.url,
        username: argv.username,
        password: argv.password,
        pdf: resolve(argv.pdf),
        pdfPassword: argv.pdfPassword,
        outDir: argv.out,
        maxPages: argv.maxPages,
        startActors: argv.url === undefined,
        logger: createLogger('flagship', process.env.COMMS_LOG_LEVEL ?? 'warn'),
        onProgress: (p) => process.stderr.write(`${progressBar(p.percent ?? 0)} ${p.stage ?? ''} ${p.note ?? ''}\n`),
      });
      printJson({ conversationId, ...result });
    },
  )
  .command(
    'conversations',
    'list recorded conversations',
    (y) => withDb(y).option('state', { type: 'string' }).option('module', { type: 'string' }).option('limit', { type: 'number', default: 50 }),
    (argv) => {
      const queries = new CommsQueries(argv.db);
      const list = queries.listConversations({ state: argv.state as ConversationStateName | undefined, module: argv.module, limit: argv.limit });
      if (argv.json) printJson(list);
      else for (const s of list) process.stdout.write(`${formatStatus(s)}\n`);
      queries.close();
    },
  )
  .command(
    'status <id>',
    'show one conversation (state, progress, error, result)',
    (y) => withDb(y).positional('id', { type: 'string', demandOption: true }),
    (argv) => {
      const queries = new CommsQueries(argv.db);
      const status = queries.getTaskStatus(argv.id);
      if (argv.json) printJson(status);
      else process.stdout.write(`${formatStatus(status)}\n`);
      queries.close();
    },
  )
  .command(
    'events <id>',
    'print a conversation\'s events after a seq',
    (y) => withDb(y).positional('id', { type: 'string', demandOption: true }).option('after', { type: 'number', default: 0 }),
    (argv) => {
      const queries = new CommsQueries(argv.db);
      const events = queries.getConversationEvents(argv.id, argv.after);
      if (argv.json) printJson(events);
      else for (const e of events) process.stdout.write(`${String(e.seq).padStart(4)} ${e.at} ${e.event.type.padEnd(8)} ${e.event.state}${e.event.progress?.stage ? ` ${e.event.progress.stage}` : ''}${e.event.progress?.percent !== undefined ? ` ${e.event.progress.percent}%` : ''}\n`);
      queries.close();
    },
  )
  .command('stats', 'message, conversation and module statistics', (y) => withDb(y), (argv) => {
    const queries = new CommsQueries(argv.db);
    printJson(queries.getStats());
    queries.close();
  })
  .command(
    'export [id]',
    'export one conversation (JSON) or every message (JSONL)',
    (y) => withDb(y).positional('id', { type: 'string' }).option('out', { type: 'string', describe: 'file to write; default stdout' }),
    (argv) => {
      const queries = new CommsQueries(argv.db);
      let text: string;
      if (argv.id) text = `${JSON.stringify(queries.exportConversation(argv.id), null, 2)}\n`;
      else {
        const lines: string[] = [];
        for (let after = 0, page = queries.listMessages({ afterSeq: 0 }); page.length > 0; page = queries.listMessages({ afterSeq: after })) {
          for (const m of page) lines.push(JSON.stringify(m));
          after = page.at(-1)?.seq ?? after;
        }
        text = lines.map((l) => `${l}\n`).join('');
      }
      if (argv.out) writeFileSync(argv.out, text);
      else process.stdout.write(text);
      queries.close();
    },
  )
  .command(
    'watch',
    'print conversation events live',
    (y) => withBus(y),
    async (argv) => {
      // Watching is the observer role's job: it only reads, so a bare connection (no card, no status) is enough.
      const watcher = await openBusConnection({ url: argv.url, clientId: `observer-${newId()}`, username: argv.username, password: argv.password });
      watcher.on('message', (topic, payload) => process.stdout.write(`${topic} ${payload.toString()}\n`));
      await watcher.subscribeAsync(Topics.filters.allConversationEvents, { qos: 1 });
      await untilSignal(() => watcher.endAsync());
    },
  )
  .demandCommand(1, 'name a command; see --help')
  .strict()
  .fail((message, err, y) => {
    if (err instanceof CommsError) process.stderr.write(`error ${err.code}: ${err.message}\n`);
    else if (err) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`${message}\n\n${y.help()}\n`);
    process.exit(1);
  })
  .help()
  .parseAsync();
