import { mkdirSync } from 'node:fs';
import { DEFAULT_MAX_QUEUED_MESSAGES, writeMosquittoConfig } from '../../security/index.ts';
import { defineCommand } from '../define-command.ts';
import { folderPath, positiveInteger, tcpPort } from '../flag-values.ts';
import { resolveDataDir } from '../data-dir.ts';
import { withData } from '../options.ts';
import { SYSTEM_MODULES } from '../system-users.ts';

export const mosquittoConfigCommand = defineCommand(
  'mosquitto-config',
  "write a mosquitto configuration (password file, ACL, listener) with the embedded broker's users and role rules",
  (y) =>
    withData(y)
      .option('out', { demandOption: true, describe: 'folder for mosquitto.conf, passwd, acl and persistence/', coerce: folderPath('--out') })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'listener address' })
      .option('port', { default: 1883, describe: 'listener port', coerce: tcpPort('--port') })
      .option('ws-port', { describe: 'also an MQTT-over-WebSocket listener (for the dashboard)', coerce: tcpPort('--ws-port') })
      .option('max-queued', { default: DEFAULT_MAX_QUEUED_MESSAGES, coerce: positiveInteger('--max-queued'), describe: "QoS 1 messages kept per offline client (size for the recorder's longest outage)" })
      .option('config', { type: 'string', describe: 'the comms.config.json `comms up` will use: its instance-backed modules get users too (default as comms up)' })
      .option('run-as', { type: 'string', describe: "mosquitto's `user` option: the account it switches to when started as root (default mosquitto)" }),
  async (argv) => {
    // credentials.json and secrets.json are created as by `comms up` when missing.
    const data = resolveDataDir(argv.data).path;
    mkdirSync(data, { recursive: true });
    const { loadCommsConfig } = await import('../../config/index.ts');
    const { instanceModuleNames } = await import('../../system/index.ts');
    const written = await writeMosquittoConfig({
      dataDir: data,
      modules: [...SYSTEM_MODULES, ...instanceModuleNames(loadCommsConfig(argv.config).config)],
      outDir: argv.out,
      host: argv.host,
      port: argv.port,
      wsPort: argv.wsPort,
      maxQueuedMessages: argv.maxQueued,
      runAs: argv.runAs,
    });
    process.stdout.write(`mosquitto configuration: ${written.configPath} (users ${written.users.join(', ')}; password file ${written.passwordPath}, ACL ${written.aclPath})\n`);
    if (written.skipped.length > 0) process.stdout.write(`left out (no plain password in secrets.json): ${written.skipped.join(', ')}\n`);
    process.stdout.write(`start it with: mosquitto -c ${written.configPath}\nthen: comms up --url mqtt://${argv.host}:${argv.port} --data ${data}\n`);
  },
);
