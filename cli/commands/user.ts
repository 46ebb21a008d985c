import { changePassword, listUsers, putUser, removeUser, USER_ROLES, type UserChange } from '../../security/index.ts';
import { resolveDataDir } from '../data-dir.ts';
import { defineCommand } from '../define-command.ts';
import { oneOf } from '../flag-values.ts';
import { withData } from '../options.ts';
import { printJson } from '../print.ts';

/** Said after every change: where the password is, and that a running `comms up` has taken it. */
function reportChange(change: UserChange, what: string): void {
  process.stdout.write(`${what} ${change.username}: password stored in ${change.secretsFile}\n`);
  process.stdout.write(`a running \`comms up\` on this data folder picks the change up for new logins; log in with --username ${change.username} --password "$(comms creds ${change.username} --password-only)"\n`);
}

const addUserCommand = defineCommand(
  'add <name>',
  'add a user (random password unless --password)',
  (y) =>
    withData(y)
      .positional('name', { type: 'string', demandOption: true, describe: 'username; for role actor also the module it speaks for' })
      .option('role', { type: 'string', default: 'actor', choices: USER_ROLES, coerce: oneOf('--role', USER_ROLES), describe: 'what the user may do (docs/security.md#roles)' })
      .option('module', { type: 'string', describe: 'recorder role: the module it speaks for (default: the username)' })
      .option('password', { type: 'string', describe: 'the new password (default: a random one, printed to secrets.json)' }),
  async (argv) => {
    const role = argv.role ?? 'actor';
    const change = await putUser(resolveDataDir(argv.data).path, { username: argv.name, role, ...(argv.module ? { module: argv.module } : {}), ...(argv.password ? { password: argv.password } : {}) });
    reportChange(change, `added ${role}`);
  },
);

const listUsersCommand = defineCommand(
  'list',
  'list the users (never their passwords)',
  (y) => withData(y).option('json', { type: 'boolean', default: false }),
  async (argv) => {
    const users = await listUsers(resolveDataDir(argv.data).path);
    if (argv.json) return printJson(users);
    for (const u of users) process.stdout.write(`${u.username.padEnd(16)} ${u.role.padEnd(9)} module ${u.module.padEnd(16)} ${u.passwordKnown ? 'password in secrets.json' : 'password not in secrets.json'}\n`);
  },
);

const passwdCommand = defineCommand(
  'passwd <name>',
  "set a user's password (random unless --password)",
  (y) => withData(y).positional('name', { type: 'string', demandOption: true }).option('password', { type: 'string', describe: 'the new password (default: a random one)' }),
  async (argv) => reportChange(await changePassword(resolveDataDir(argv.data).path, argv.name, argv.password), 'new password for'),
);

const removeUserCommand = defineCommand(
  'remove <name>',
  'remove a user (its open sessions stay until they reconnect)',
  (y) => withData(y).positional('name', { type: 'string', demandOption: true }),
  async (argv) => {
    const { credentialsFile } = await removeUser(resolveDataDir(argv.data).path, argv.name);
    process.stdout.write(`removed ${argv.name} from ${credentialsFile}\n`);
  },
);

export const userCommand = defineCommand(
  'user',
  'manage broker users: add, list, passwd, remove (data/credentials.json + data/secrets.json)',
  (y) => y.command(addUserCommand).command(listUsersCommand).command(passwdCommand).command(removeUserCommand).demandCommand(1, 'name a user command: add, list, passwd or remove'),
  () => undefined,
);
