import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CommsError } from '../protocol/index.ts';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** SHA-256 fingerprint of the certificate, to show users who pin it. */
  fingerprint256: string;
  subject: string;
  validTo: Date;
}

/**
 * Read a PEM key and certificate for the broker's MQTTS listener and check that they belong
 * together and that the certificate is currently valid; throws E_CONFIG_INVALID saying which.
 * Creating certificates is left to openssl or a CA (docs/security.md shows the command).
 */
export async function loadTlsFiles(paths: { keyPath: string; certPath: string }, now = new Date()): Promise<TlsMaterial> {
  const [key, cert] = await Promise.all([read(paths.keyPath, 'TLS key'), read(paths.certPath, 'TLS certificate')]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new CommsError('E_CONFIG_INVALID', `${paths.certPath} is not a PEM certificate: ${(err as Error).message}`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new CommsError('E_CONFIG_INVALID', `${paths.keyPath} is not a PEM private key: ${(err as Error).message}`);
  }
  if (!matches) throw new CommsError('E_CONFIG_INVALID', `${paths.keyPath} is not the private key of ${paths.certPath}.`);
  const validFrom = new Date(x509.validFrom);
  const validTo = new Date(x509.validTo);
  if (now < validFrom || now > validTo) {
    throw new CommsError('E_CONFIG_INVALID', `${paths.certPath} is valid from ${validFrom.toISOString()} to ${validTo.toISOString()}, not now; renew it.`);
  }
  return { key, cert, fingerprint256: x509.fingerprint256, subject: x509.subject, validTo };
}

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new CommsError('E_CONFIG_INVALID', `cannot read ${what} ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
