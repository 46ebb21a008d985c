import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { CommsError, describeProblems, IDENTIFIER_PATTERN } from '../protocol/index.ts';
import { hashPassword, parsePasswordHash } from './password-hash.ts';

const ROLES = ['actor', 'recorder', 'observer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const Identifier = Type.String({ pattern: IDENTIFIER_PATTERN });

export const CredentialUser = Type.Object(
  {
    username: Identifier,
    role: Type.Union(ROLES.map((role) => Type.Literal(role))),
    /** The module this user speaks for (actor, recorder); defaults to the username. */
    module: Type.Optional(Identifier),
    passwordHash: Type.String({ pattern: '^scrypt\\$' }),
  },
  { additionalProperties: false },
);
export type CredentialUser = Static<typeof CredentialUser>;

/** The credentials file: who may connect to the broker, with which role. */
export const CredentialsFile = Type.Object(
  {
    version: Type.Literal(1),
    users: Type.Array(CredentialUser),
  },
  { $id: 'comms.credentials@1', additionalProperties: false },
);
export type CredentialsFile = Static<typeof CredentialsFile>;

const SecretsFile = Type.Object(
  {
    version: Type.Literal(1),
    note: Type.Optional(Type.String()),
    passwords: Type.Record(Type.String(), Type.String()),
  },
  { additionalProperties: false },
);
type SecretsFile = Static<typeof SecretsFile>;

const checkCredentials = TypeCompiler.Compile(CredentialsFile);
const checkSecrets = TypeCompiler.Compile(SecretsFile);

/** Name of the file, next to the credentials file, holding the generated plain passwords. */
const SECRETS_FILE_NAME = 'secrets.json';

/** Usernames `ensureCredentials` always creates besides the modules, with their roles. */
export const BUILTIN_USERS: ReadonlyArray<{ username: string; role: Role }> = [
  { username: 'recorder', role: 'recorder' },
  { username: 'observer', role: 'observer' },
  // The dashboard's controls: reads like the observer, may pause/resume/cancel workflows and ask the recorder.
  { username: 'operator', role: 'operator' },
  { username: 'admin', role: 'admin' },
];

/** Validate a parsed credentials value; throws E_CONFIG_INVALID naming the field, `where` says which file. */
function validateCredentials(value: unknown, where = 'credentials'): CredentialsFile {
  if (!checkCredentials.Check(value)) {
    const problems = describeProblems(checkCredentials, value);
    throw new CommsError('E_CONFIG_INVALID', `${where} is invalid: ${problems.map((p) => `${p.path || '/'}: ${p.message}`).join('; ')}`, { problems });
  }
  const seen = new Set<string>();
  for (const user of value.users) {
    if (seen.has(user.username)) throw new CommsError('E_CONFIG_INVALID', `${where} lists user ${JSON.stringify(user.username)} twice; usernames must be unique.`);
    seen.add(user.username);
    if (user.role === 'actor' && user.module !== undefined && user.module !== user.username) {
      throw new CommsError('E_CONFIG_INVALID', `${where}: actor user ${JSON.stringify(user.username)} must have module equal to its username (got ${JSON.stringify(user.module)}).`);
    }
    try {
      parsePasswordHash(user.passwordHash);
    } catch (err) {
      throw new CommsError('E_CONFIG_INVALID', `${where}: user ${JSON.stringify(user.username)}: ${(err as Error).message}`);
    }
  }
  return value;
}

export async function loadCredentials(path: string): Promise<CredentialsFile> {
  return validateCredentials(await readJson(path, 'credentials file'), `credentials file ${path}`);
}

/** Write the file atomically with mode 0600 (directory created 0700 if missing). */
export async function saveCredentials(path: string, credentials: CredentialsFile): Promise<void> {
  validateCredentials(credentials, 'credentials to save');
  await writePrivateJson(path, credentials);
}

export interface NewUser {
  username: string;
  role: Role;
  module?: string;
  /** Plain password; a random one is generated when omitted. */
  password?: string;
  /** Replace an existing user of the same name instead of failing. */
  replace?: boolean;
}

/** Add (or replace) a user in memory; save with saveCredentials. Returns the new file and the plain password. */
export async function addUser(credentials: CredentialsFile, user: NewUser): Promise<{ credentials: CredentialsFile; password: string }> {
  const exists = credentials.users.some((u) => u.username === user.username);
  if (exists && !user.replace) throw new CommsError('E_CONFIG_INVALID', `user ${JSON.stringify(user.username)} already exists; pass replace to change it.`);
  const password = user.password ?? randomPassword();
  const entry: CredentialUser = { username: user.username, role: user.role, passwordHash: await hashPassword(password) };
  if (user.module !== undefined) entry.module = user.module;
  const next: CredentialsFile = { version: 1, users: [...credentials.users.filter((u) => u.username !== user.username), entry] };
  return { credentials: validateCredentials(next, `user ${JSON.stringify(user.username)}`), password };
}

function randomPassword(): string {
  // base64url may start with '-', which command lines (`--password -x...`) read as a flag.
  return `p${randomBytes(24).toString('base64url')}`;
}

export interface EnsuredCredentials {
  path: string;
  /** The sibling secrets.json holding the generated plain passwords (mode 0600). */
  secretsPath: string;
  credentials: CredentialsFile;
  /** True when this call created the credentials file. */
  created: boolean;
  /** Plain passwords generated by this call, by username (empty when nothing was missing). */
  generated: Record<string, string>;
  /** Every plain password secrets.json knows, by username, for in-process actors. */
  passwords: Record<string, string>;
}

/**
 * Make sure the credentials file exists and has a user for every module given (role actor) plus
 * `recorder`, `observer` (read-only dashboard), `operator` (dashboard with controls) and `admin`. Missing users get a random password, written once
 * to the sibling secrets.json (0600); existing users and passwords are never changed.
 */
export async function ensureCredentials(path: string, modules: readonly string[]): Promise<EnsuredCredentials> {
  const secretsPath = join(dirname(path), SECRETS_FILE_NAME);
  const existing = await readJson(path, 'credentials file', true);
  const created = existing === undefined;
  let credentials: CredentialsFile = created ? { version: 1, users: [] } : validateCredentials(existing, `credentials file ${path}`);
  const wanted: Array<{ username: string; role: Role }> = [
    ...modules.filter((m) => !BUILTIN_USERS.some((b) => b.username === m)).map((username) => ({ username, role: 'actor' as const })),
    ...BUILTIN_USERS,
  ];
  const generated: Record<string, string> = {};
  for (const { username, role } of wanted) {
    if (credentials.users.some((u) => u.username === username)) continue;
    const added = await addUser(credentials, { username, role });
    credentials = added.credentials;
    generated[username] = added.password;
  }
  let secrets: SecretsFile = { version: 1, passwords: {} };
  const storedSecrets = await readJson(secretsPath, 'secrets file', true);
  if (storedSecrets !== undefined) {
    if (!checkSecrets.Check(storedSecrets)) throw new CommsError('E_CONFIG_INVALID', `secrets file ${secretsPath} is invalid; expected { version: 1, passwords: { username: password } }.`);
    secrets = storedSecrets;
  }
  if (Object.keys(generated).length > 0 || created) {
    secrets = {
      version: 1,
      note: `Plain passwords generated for ${path}. Keep this file private (0600); delete it once they are stored elsewhere, but comms up needs the module passwords to start its actors.`,
      passwords: { ...secrets.passwords, ...generated },
    };
    // Secrets first: a crash between the two writes must not leave users whose passwords nobody knows.
    await writePrivateJson(secretsPath, secrets);
    await saveCredentials(path, credentials);
  }
  return { path, secretsPath, credentials, created, generated, passwords: { ...secrets.passwords } };
}

/** Read and parse a JSON file; with `optional`, a missing file gives undefined. */
async function readJson(path: string, what: string, optional = false): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CommsError('E_CONFIG_INVALID', `cannot read ${what} ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CommsError('E_CONFIG_INVALID', `${what} ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Credentials and secrets are private: mode 0600, in a directory created 0700. */
async function writePrivateJson(path: string, value: unknown): Promise<void> {
  // Loaded on write: reading credentials (every \`comms user\`, \`comms creds\`) need not open the SQLite layer.
  const { writeJsonAtomic } = await import('../storage/index.ts');
  await writeJsonAtomic(path, value, { mode: 0o600, dirMode: 0o700 });
}

/** The secrets.json beside a credentials file. */
export function secretsPathFor(credentialsPath: string): string {
  return join(dirname(credentialsPath), SECRETS_FILE_NAME);
}

/** The plain passwords in secrets.json by username; empty when the file does not exist. */
export async function loadSecrets(secretsPath: string): Promise<Record<string, string>> {
  const stored = await readJson(secretsPath, 'secrets file', true);
  if (stored === undefined) return {};
  if (!checkSecrets.Check(stored)) throw new CommsError('E_CONFIG_INVALID', `secrets file ${secretsPath} is invalid; expected { version: 1, passwords: { username: password } }.`);
  return { ...stored.passwords };
}

/** Replace secrets.json's passwords (atomic, 0600), keeping its note. */
export async function saveSecrets(secretsPath: string, passwords: Record<string, string>): Promise<void> {
  const note = 'Plain passwords of the users in credentials.json. Keep this file private (0600); comms up needs the module passwords to start its actors.';
  await writePrivateJson(secretsPath, { version: 1, note, passwords } satisfies SecretsFile);
}

/** The credentials file, or an empty one when it does not exist yet (the first `comms user add` before `comms up`). */
export async function loadCredentialsOrEmpty(path: string): Promise<CredentialsFile> {
  const existing = await readJson(path, 'credentials file', true);
  return existing === undefined ? { version: 1, users: [] } : validateCredentials(existing, `credentials file ${path}`);
}

export const USER_ROLES: readonly Role[] = ROLES;
