import { CommsError } from '../protocol/index.ts';
import { loadTlsFiles } from '../security/index.ts';

export interface TlsListener {
  port: number;
  key: Buffer;
  cert: Buffer;
}

/** The MQTTS listener settings when both files are given; a mismatched pair is E_CONFIG_INVALID. */
export async function tlsListener(argv: { tlsPort: number; tlsKey?: string; tlsCert?: string }): Promise<TlsListener | undefined> {
  if (!argv.tlsKey && !argv.tlsCert) return undefined;
  if (!argv.tlsKey || !argv.tlsCert) throw new CommsError('E_CONFIG_INVALID', 'MQTTS needs both --tls-key and --tls-cert.');
  const { key, cert } = await loadTlsFiles({ keyPath: argv.tlsKey, certPath: argv.tlsCert });
  return { port: argv.tlsPort, key, cert };
}
