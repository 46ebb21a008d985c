import { resolve } from 'node:path';
import type { Argv } from 'yargs';

/** Shared option groups: each command adds the groups it needs, so a flag means the same everywhere. */

export const DEFAULT_DATA = resolve(process.env.COMMS_DATA ?? 'data');
export const DEFAULT_URL = process.env.COMMS_URL ?? 'mqtt://127.0.0.1:1883';
export const DEFAULT_INGEST_DIR = resolve(DEFAULT_DATA, 'ingest');

/** `--url`, `--username`, `--password`: commands that connect to a broker. */
export const withBus = <T>(y: Argv<T>) =>
  y
    .option('url', { type: 'string', default: DEFAULT_URL, describe: 'broker URL (embedded or any MQTT 3.1.1 broker)' })
    .option('username', { type: 'string', default: process.env.COMMS_USERNAME, describe: 'broker username' })
    .option('password', { type: 'string', default: process.env.COMMS_PASSWORD, describe: 'broker password' });

/** `--db`, `--json`: commands that read the recorder's database. */
export const withDb = <T>(y: Argv<T>) =>
  y.option('db', { type: 'string', default: resolve(DEFAULT_DATA, 'comms.db'), describe: 'recorder SQLite file' }).option('json', { type: 'boolean', default: false });

/** `--tls-port`, `--tls-key`, `--tls-cert`: commands that start a broker. */
export const withTls = <T>(y: Argv<T>) =>
  y
    .option('tls-port', { type: 'number', default: 8883, describe: 'MQTTS port (with --tls-key and --tls-cert)' })
    .option('tls-key', { type: 'string', describe: 'PEM private key: turns on the MQTTS listener' })
    .option('tls-cert', { type: 'string', describe: 'PEM certificate matching --tls-key' });
