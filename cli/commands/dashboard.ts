import { dashboardPageUrl, startDashboardServer } from '../../dashboard/index.ts';
import { defineCommand } from '../define-command.ts';
import { untilSignal } from '../until-signal.ts';

export const dashboardCommand = defineCommand(
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
);
