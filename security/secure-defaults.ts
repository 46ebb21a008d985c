import { join } from 'node:path';
import { CommsError } from '../protocol/index.ts';
import { BUILTIN_USERS, ensureCredentials } from './credentials-file.ts';
import { RolePolicy } from './role-policy.ts';

export interface SecuritySetup {
  /** Give this to startBroker({ access }). */
  access: RolePolicy;
  /** Username and password per in-process module (and recorder, observer, admin), for Actor options. */
  logins: Record<string, { username: string; password: string }>;
  credentialsFile: string;
  /** Where the generated plain passwords are (0600); tell the user. */
  secretsFile: string;
  /** True when this call created the credentials file (first `comms up`). */
  created: boolean;
}

/** File name of the credentials file inside the data directory. */
const CREDENTIALS_FILE_NAME = 'credentials.json';

/**
 * What `comms up` needs for security on by default: ensure `{dataDir}/credentials.json` has a user
 * per module (plus recorder, observer, admin), build the RolePolicy from it, and read the logins of
 * the in-process modules from the sibling secrets.json. Throws E_CONFIG_INVALID when a module's
 * password is no longer in secrets.json (it was deleted): reset it with addUser({ replace: true }).
 */
export async function prepareSecurity(dataDir: string, modules: readonly string[]): Promise<SecuritySetup> {
  const ensured = await ensureCredentials(join(dataDir, CREDENTIALS_FILE_NAME), modules);
  const logins: Record<string, { username: string; password: string }> = {};
  const wanted = new Set([...modules, ...BUILTIN_USERS.map((u) => u.username)]);
  for (const username of wanted) {
    const password = ensured.passwords[username];
    if (password === undefined) {
      if (modules.includes(username)) {
        throw new CommsError('E_CONFIG_INVALID', `${ensured.secretsPath} has no password for module ${username}, so comms up cannot start it; set a new one (addUser with replace) or remove ${username} from ${ensured.path}.`);
      }
      continue;
    }
    logins[username] = { username, password };
  }
  return { access: new RolePolicy(ensured.credentials), logins, credentialsFile: ensured.path, secretsFile: ensured.secretsPath, created: ensured.created };
}
