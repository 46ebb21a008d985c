import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CommsError } from '../protocol/index.ts';
import { ensureCredentials } from './credentials-file.ts';
import { mosquittoAcl } from './mosquitto-acl.ts';
import { mosquittoPasswordLine } from './mosquitto-password.ts';

export interface MosquittoConfigOptions {
  /** The data folder of `comms up`: credentials.json and secrets.json (created like `comms up` does when missing). */
  dataDir: string;
  /** Modules that get an actor user, as for `comms up`. */
  modules: readonly string[];
  /** Folder for mosquitto.conf, passwd, acl and the persistence database. */
  outDir: string;
  host?: string;
  port?: number;
  /** An MQTT-over-WebSocket listener (for the dashboard) on this port; none when undefined. */
  wsPort?: number;
  /**
   * Per-client queue of QoS 1 messages while it is offline (the recorder keeps a persistent
   * session): size it as messages per second times the longest recorder outage to survive.
   */
  maxQueuedMessages?: number;
  /** Largest MQTT packet mosquitto accepts, as the embedded broker's default (16 MiB + headers). */
  maxPacketBytes?: number;
  /** Run mosquitto as this system user when it is started as root (mosquitto's `user` option). */
  runAs?: string;
}

export interface MosquittoConfig {
  configPath: string;
  passwordPath: string;
  aclPath: string;
  /** Users written to the password file. */
  users: string[];
  /** Users of credentials.json left out: secrets.json has no plain password for them (scrypt cannot be converted). */
  skipped: string[];
}

export const DEFAULT_MAX_QUEUED_MESSAGES = 1_000_000;
const DEFAULT_MAX_PACKET = 16 * 1024 * 1024 + 64 * 1024;

/**
 * Write a mosquitto 2.x configuration equivalent to the embedded broker's RolePolicy as far as
 * mosquitto can express it (docs/security.md, External broker): a password file with the users of
 * credentials.json (passwords from secrets.json), an ACL file with their topic rules, one listener,
 * no anonymous access, persistence on and a queue big enough for a recorder outage.
 */
export async function writeMosquittoConfig(options: MosquittoConfigOptions): Promise<MosquittoConfig> {
  checkOptions(options);
  const outDir = resolve(options.outDir);
  const ensured = await ensureCredentials(join(resolve(options.dataDir), 'credentials.json'), options.modules);
  const users: string[] = [];
  const skipped: string[] = [];
  const passwordLines: string[] = [];
  for (const user of ensured.credentials.users) {
    const password = ensured.passwords[user.username];
    if (password === undefined) {
      skipped.push(user.username);
      continue;
    }
    users.push(user.username);
    passwordLines.push(await mosquittoPasswordLine(user.username, password));
  }
  if (users.length === 0) throw new CommsError('E_CONFIG_INVALID', `${ensured.secretsPath} has no plain password for any user of ${ensured.path}, so no mosquitto password file can be written; set passwords with addUser (docs/security.md).`);

  await mkdir(join(outDir, 'persistence'), { recursive: true, mode: 0o700 });
  const paths = { configPath: join(outDir, 'mosquitto.conf'), passwordPath: join(outDir, 'passwd'), aclPath: join(outDir, 'acl') };
  await writePrivate(paths.passwordPath, `${passwordLines.join('\n')}\n`);
  await writePrivate(paths.aclPath, mosquittoAcl(ensured.credentials, ensured.path));
  await writePrivate(paths.configPath, configText(options, outDir, paths));
  return { ...paths, users, skipped };
}

/** Every value ends up on a line of mosquitto.conf: refuse what mosquitto would misread, naming the option. */
function checkOptions(options: MosquittoConfigOptions): void {
  const port = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= 65535)) throw new CommsError('E_CONFIG_INVALID', `${name} must be a TCP port from 1 to 65535; got ${value}.`);
  };
  port('port', options.port);
  port('wsPort', options.wsPort);
  for (const [name, value] of [['maxQueuedMessages', options.maxQueuedMessages], ['maxPacketBytes', options.maxPacketBytes]] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) throw new CommsError('E_CONFIG_INVALID', `${name} must be a positive integer; got ${value}.`);
  }
  // mosquitto splits its lines at whitespace and treats '#' as a comment.
  for (const [name, value] of [['host', options.host], ['runAs', options.runAs], ['outDir', resolve(options.outDir)]] as const) {
    if (value !== undefined && (value === '' || /[\s#]/.test(value))) {
      throw new CommsError('E_CONFIG_INVALID', `${name} ${JSON.stringify(value)} cannot be written to mosquitto.conf: it must be non-empty, without spaces, line breaks or '#'.`);
    }
  }
}

function configText(options: MosquittoConfigOptions, outDir: string, paths: { passwordPath: string; aclPath: string }): string {
  const host = options.host ?? '127.0.0.1';
  const lines = [
    '# Generated by `comms mosquitto-config` (docs/security.md, External broker); regenerate instead of editing.',
    ...(options.runAs ? [`user ${options.runAs}`] : []),
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${paths.passwordPath}`,
    `acl_file ${paths.aclPath}`,
    `listener ${options.port ?? 1883} ${host}`,
    'protocol mqtt',
    ...(options.wsPort !== undefined ? [`listener ${options.wsPort} ${host}`, 'protocol websockets'] : []),
    '# The recorder keeps a persistent session: its QoS 1 messages queue here while it is down.',
    `max_queued_messages ${options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES}`,
    'max_queued_bytes 0',
    `max_packet_size ${options.maxPacketBytes ?? DEFAULT_MAX_PACKET}`,
    'persistence true',
    `persistence_location ${join(outDir, 'persistence')}/`,
    'autosave_interval 60',
    '# Sessions of clients gone for two weeks are dropped, so abandoned ids do not queue forever.',
    'persistent_client_expiration 14d',
    'retain_available true',
    'set_tcp_nodelay true',
  ];
  return `${lines.join('\n')}\n`;
}

/** The password file holds hashes of the generated passwords: private like secrets.json. */
async function writePrivate(path: string, text: string): Promise<void> {
  await writeFile(path, text, { mode: 0o600 });
  await chmod(path, 0o600);
}
