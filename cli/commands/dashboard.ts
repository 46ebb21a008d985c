import { defineCommand } from '../define-command.ts';
import { untilSignal } from '../until-signal.ts';

export const dashboardCommand = defineCommand(
  'dashboard',
  "serve the dashboard page for a broker's MQTT-over-WebSocket listener (the page asks for the login)",
  (y) =>
    y
      .option('ws', { type: 'string', default: process.env.COMMS_WS_URL ?? 'ws://127.0.0.1:8083', describe: 'broker MQTT-over-WebSocket URL' })
      .option('port', { type: 'number', default: 8080 })
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('username', { type: 'string', default: process.env.COMMS_USERNAME ?? 'operator', describe: 'username the login form starts with (operator: controls and history; observer: watch only)' })
      .option('insecure', { type: 'boolean', default: false, describe: 'the broker takes no login (comms up --insecure): the page connects at once' }),
  async (argv) => {
    const { dashboardPageUrl, startDashboardServer } = await import('../../dashboard/index.ts');
    const dashboard = await startDashboardServer({ host: argv.host, port: argv.port, wsUrl: argv.ws, secured: !argv.insecure });
    const page = dashboardPageUrl(dashboard.url, { wsUrl: argv.ws, ...(argv.insecure ? {} : { username: argv.username }) });
    process.stdout.write(`dashboard: ${page}${argv.insecure ? '' : ' (the page asks for the password; it is in data/secrets.json)'}\n`);
    await untilSignal(() => dashboard.close());
  },
);
