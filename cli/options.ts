import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { resolveDataDir } from './data-dir.ts';

/** Shared option groups: each command adds the groups it needs, so a flag means the same everywhere. */

/** The data folder when no `--data` is given (COMMS_DATA, else the project's data/, else ./data). */
export const DEFAULT_DATA = resolveDataDir().path;
export const DEFAULT_URL = process.env.COMMS_URL ?? 'mqtt://127.0.0.1:1883';

const DATA_HELP = 'data folder (database, ingest output, credentials); default $COMMS_DATA, else data/ of the claude-comms checkout above the current folder, else ./data';

/** `--url`, `--username`, `--password`: commands that connect to a broker. `--password` is only ever the MQTT password. */
export const withBus = <T>(y: Argv<T>) =>
  y
    .option('url', { type: 'string', default: DEFAULT_URL, describe: 'broker URL (embedded or any MQTT 3.1.1 broker)' })
    .option('username', { type: 'string', default: process.env.COMMS_USERNAME, describe: 'broker username' })
    .option('password', { type: 'string', default: process.env.COMMS_PASSWORD, describe: 'broker (MQTT) password' });

/** `--data`: every command that reads or writes the data folder. */
export const withData = <T>(y: Argv<T>) => y.option('data', { type: 'string', describe: DATA_HELP });

/** `--data`, `--json` (and the deprecated `--db FILE`): commands that read the recorder's database. */
export const withDb = <T>(y: Argv<T>) =>
  withData(y)
    .option('db', { type: 'string', hidden: true, describe: 'deprecated: the SQLite file itself; use --data FOLDER' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' });

/** The recorder database a read command uses: `--db` when given, else comms.db in the data folder. */
export function databaseOf(argv: { data?: string; db?: string }): { path: string; why: string } {
  if (argv.db) return { path: resolve(argv.db), why: '--db' };
  const dir = resolveDataDir(argv.data);
  return { path: resolve(dir.path, 'comms.db'), why: `data folder from ${dir.source}` };
}

/** `--tls-port`, `--tls-key`, `--tls-cert`: commands that start a broker. */
export const withTls = <T>(y: Argv<T>) =>
  y
    .option('tls-port', { type: 'number', default: 8883, describe: 'MQTTS port (with --tls-key and --tls-cert)' })
    .option('tls-key', { type: 'string', describe: 'PEM private key: turns on the MQTTS listener' })
    .option('tls-cert', { type: 'string', describe: 'PEM certificate matching --tls-key' });
