import { pbkdf2, randomBytes } from 'node:crypto';

/**
 * mosquitto 2.x password file hashes: `$7$iterations$salt$hash`, PBKDF2-SHA512 with a 12-byte salt
 * and a 64-byte key, both base64 (what `mosquitto_passwd -b` writes). Written here so that
 * `comms mosquitto-config` does not need mosquitto installed on the machine that generates it.
 * mosquitto_passwd uses 101 iterations; more only cost each login a few ms more.
 */
const ITERATIONS = 10_000;
const SALT_BYTES = 12;
const KEY_BYTES = 64;

/** One line of a mosquitto password file, `username:$7$...`. */
export async function mosquittoPasswordLine(username: string, password: string, iterations = ITERATIONS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await new Promise<Buffer>((resolve, reject) => {
    pbkdf2(password, salt, iterations, KEY_BYTES, 'sha512', (err, derived) => (err ? reject(err) : resolve(derived)));
  });
  return `${username}:$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}
