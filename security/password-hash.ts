import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { CommsError } from '../protocol/index.ts';

/** Cost parameters of a new hash: N = 2^14, r = 8, p = 1 (about 16 MiB and tens of ms per verify). */
const DEFAULT_SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Upper bounds on parameters read back from a file, so a crafted hash cannot make verify eat the machine. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface ParsedPasswordHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function scrypt(password: string | Buffer, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Hash a password as `scrypt$N$r$p$salt$hash` (salt and hash base64url), with a fresh random salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  checkParams(params);
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, KEY_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Split a stored hash; throws E_CONFIG_INVALID naming what is wrong with it. */
export function parsePasswordHash(stored: string): ParsedPasswordHash {
  const parts = stored.split('$');
  const [scheme, n, r, p, salt, hash] = parts;
  if (parts.length !== 6 || scheme !== 'scrypt' || !salt || !hash) {
    throw new CommsError('E_CONFIG_INVALID', "password hash must look like 'scrypt$N$r$p$salt$hash'; create it with hashPassword() and put it in credentials.json as docs/security.md (The credentials file) describes.");
  }
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  checkParams(params);
  const decodedSalt = Buffer.from(salt, 'base64url');
  const decodedHash = Buffer.from(hash, 'base64url');
  if (decodedSalt.length < 8 || decodedHash.length < 16) throw new CommsError('E_CONFIG_INVALID', 'password hash has a salt shorter than 8 bytes or a key shorter than 16 bytes.');
  return { ...params, salt: decodedSalt, hash: decodedHash };
}

/** Check a password against a stored hash in constant time (for equal-length keys). */
export async function verifyPassword(password: string | Buffer, stored: string | ParsedPasswordHash): Promise<boolean> {
  const parsed = typeof stored === 'string' ? parsePasswordHash(stored) : stored;
  const candidate = await scrypt(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}

function checkParams({ N, r, p }: ScryptParams): void {
  const powerOfTwo = Number.isInteger(N) && N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N) throw new CommsError('E_CONFIG_INVALID', `scrypt N must be a power of two between 2 and ${MAX_N}; got ${N}.`);
  if (!Number.isInteger(r) || r < 1 || r > MAX_R) throw new CommsError('E_CONFIG_INVALID', `scrypt r must be an integer from 1 to ${MAX_R}; got ${r}.`);
  if (!Number.isInteger(p) || p < 1 || p > MAX_P) throw new CommsError('E_CONFIG_INVALID', `scrypt p must be an integer from 1 to ${MAX_P}; got ${p}.`);
}
