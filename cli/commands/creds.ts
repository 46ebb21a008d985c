import { randomBytes } from 'node:crypto';
import { Topics } from '../../protocol/index.ts';
import { listUsers, userPassword } from '../../security/index.ts';
import { resolveDataDir } from '../data-dir.ts';
import { defineCommand } from '../define-command.ts';
import { DEFAULT_URL, withData } from '../options.ts';

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * The exact mosquitto_sub command line for a user: MQTT 3.1.1 (`-V mqttv311`), its username and
 * password, and a client id in its own namespace (`observer-…`), which the broker's ACL requires.
 */
function mosquittoSub(url: string, user: { username: string; module: string; role: string }, password: string): string {
  const broker = new URL(url);
  const port = broker.port || (broker.protocol === 'mqtts:' ? '8883' : '1883');
  // Client ids belong to the user's namespace: the module for actors and recorders, else the username.
  const namespace = user.role === 'actor' || user.role === 'recorder' ? user.module : user.username;
  const tls = broker.protocol === 'mqtts:' ? ' --cafile CERT.pem' : '';
  return `mosquitto_sub -h ${broker.hostname} -p ${port}${tls} -V mqttv311 -u ${user.username} -P ${shellQuote(password)} -i ${namespace}-${randomBytes(4).toString('hex')} -t ${shellQuote(Topics.all)} -v`;
}

export const credsCommand = defineCommand(
  'creds <user>',
  "print a user's broker login from secrets.json (e.g. `comms creds observer --mosquitto`)",
  (y) =>
    withData(y)
      .positional('user', { type: 'string', demandOption: true })
      .option('url', { type: 'string', default: DEFAULT_URL, describe: 'broker URL, for --mosquitto' })
      .option('mosquitto', { type: 'boolean', default: false, describe: 'print the mosquitto_sub command line that watches the whole bus' })
      .option('password-only', { type: 'boolean', default: false, describe: 'print only the password (for $(...))' }),
  async (argv) => {
    const data = resolveDataDir(argv.data).path;
    const password = await userPassword(data, argv.user);
    if (argv.passwordOnly) return void process.stdout.write(`${password}\n`);
    const user = (await listUsers(data)).find((u) => u.username === argv.user) ?? { username: argv.user, module: argv.user, role: 'observer' };
    if (argv.mosquitto) return void process.stdout.write(`${mosquittoSub(argv.url, user, password)}\n`);
    process.stdout.write(`username ${user.username}\npassword ${password}\nrole     ${user.role}\nclient id ${user.role === 'actor' || user.role === 'recorder' ? user.module : user.username} or it followed by -anything\n`);
  },
);
