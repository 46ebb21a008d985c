import { join } from 'node:path';
import { CommsError } from '../protocol/index.ts';
import { addUser, loadCredentialsOrEmpty, loadSecrets, saveCredentials, saveSecrets, secretsPathFor, type Role } from './credentials-file.ts';

/**
 * `comms user add|list|passwd|remove`: the users of a data folder's credentials.json, with their
 * plain passwords in the sibling secrets.json. Secrets are written before credentials (both
 * atomically), so a crash between the two never leaves a user whose password nobody knows.
 * A running `comms up` watches credentials.json and takes the change for new logins.
 */

export const CREDENTIALS_FILE = 'credentials.json';

export interface UserSummary {
  username: string;
  role: Role;
  /** The module an actor or recorder user speaks for. */
  module: string;
  /** True when secrets.json holds this user's plain password. */
  passwordKnown: boolean;
}

export interface UserChange {
  username: string;
  password: string;
  credentialsFile: string;
  secretsFile: string;
}

function files(dataDir: string): { credentials: string; secrets: string } {
  const credentials = join(dataDir, CREDENTIALS_FILE);
  return { credentials, secrets: secretsPathFor(credentials) };
}

export async function listUsers(dataDir: string): Promise<UserSummary[]> {
  const paths = files(dataDir);
  const [credentials, secrets] = await Promise.all([loadCredentialsOrEmpty(paths.credentials), loadSecrets(paths.secrets)]);
  return credentials.users.map((u) => ({ username: u.username, role: u.role, module: u.module ?? u.username, passwordKnown: secrets[u.username] !== undefined }));
}

/** Add a user, or with `replace` change its role/password; a random password when none is given. */
export async function putUser(dataDir: string, user: { username: string; role: Role; module?: string; password?: string; replace?: boolean }): Promise<UserChange> {
  const paths = files(dataDir);
  const credentials = await loadCredentialsOrEmpty(paths.credentials);
  const added = await addUser(credentials, user).catch((err: unknown) => {
    if (err instanceof CommsError && err.message.includes('already exists')) {
      throw new CommsError('E_CONFIG_INVALID', `user ${user.username} already exists in ${paths.credentials}.`, { hint: `change its password with \`comms user passwd ${user.username}\`, or remove it first` });
    }
    throw err;
  });
  const secrets = await loadSecrets(paths.secrets);
  await saveSecrets(paths.secrets, { ...secrets, [user.username]: added.password });
  await saveCredentials(paths.credentials, added.credentials);
  return { username: user.username, password: added.password, credentialsFile: paths.credentials, secretsFile: paths.secrets };
}

/** A new password for an existing user, keeping its role and module. */
export async function changePassword(dataDir: string, username: string, password?: string): Promise<UserChange> {
  const existing = (await loadCredentialsOrEmpty(files(dataDir).credentials)).users.find((u) => u.username === username);
  if (!existing) throw notFound(dataDir, username);
  return putUser(dataDir, { username, role: existing.role, ...(existing.module ? { module: existing.module } : {}), ...(password ? { password } : {}), replace: true });
}

export async function removeUser(dataDir: string, username: string): Promise<{ credentialsFile: string }> {
  const paths = files(dataDir);
  const credentials = await loadCredentialsOrEmpty(paths.credentials);
  if (!credentials.users.some((u) => u.username === username)) throw notFound(dataDir, username);
  const secrets = await loadSecrets(paths.secrets);
  delete secrets[username];
  // Credentials first here: the user can no longer log in even if the secrets write fails.
  await saveCredentials(paths.credentials, { version: 1, users: credentials.users.filter((u) => u.username !== username) });
  await saveSecrets(paths.secrets, secrets);
  return { credentialsFile: paths.credentials };
}

/** A user's plain password from secrets.json (for `comms creds`). */
export async function userPassword(dataDir: string, username: string): Promise<string> {
  const paths = files(dataDir);
  const password = (await loadSecrets(paths.secrets))[username];
  if (password === undefined) {
    throw new CommsError('E_NOT_FOUND', `${paths.secrets} has no password for user ${username}.`, { hint: `run \`comms up\` once (it creates the built-in users), or set one with \`comms user passwd ${username}\`` });
  }
  return password;
}

function notFound(dataDir: string, username: string): CommsError {
  return new CommsError('E_NOT_FOUND', `no user ${username} in ${join(dataDir, CREDENTIALS_FILE)}.`, { hint: 'list the users with `comms user list`' });
}
