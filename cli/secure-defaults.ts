import type { AccessPolicy } from '../broker/index.ts';

export interface SecureDefaults {
  access: AccessPolicy;
  logins: Record<string, { username: string; password: string }>;
  secretsFile: string;
}

/** Filled in once security/ lands: credentials file + role policy. */
export async function secureDefaults(_dataDir: string, _modules: string[]): Promise<SecureDefaults | undefined> {
  return undefined;
}
