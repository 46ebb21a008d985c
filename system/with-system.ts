import { startSystem, type RunningSystem, type SystemOptions } from './start-system.ts';

export interface WithSystemOptions extends Omit<SystemOptions, 'host' | 'port' | 'wsPort' | 'tls' | 'access' | 'credentials'> {
  /** A running system's broker; without it one is started here (ephemeral port, no auth) and stopped after. */
  url?: string;
  username?: string;
  password?: string;
}

/** Where a client reaches the system; `system` is set when it was started for this call. */
export interface SystemTarget {
  url: string;
  username?: string;
  password?: string;
  system?: RunningSystem;
}

/**
 * Run `use` against a system: the one at `options.url`, or one started here with `startSystem`
 * (broker, recorder, modules) so that the run is recorded in `{dataDir}/comms.db` like any other.
 */
export async function withSystem<T>(options: WithSystemOptions, use: (target: SystemTarget) => Promise<T>): Promise<T> {
  const { url, username, password, ...systemOptions } = options;
  const login = { ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
  if (url !== undefined) return use({ url, ...login });
  const system = await startSystem({ ...systemOptions, port: 0 });
  try {
    return await use({ url: system.broker.url, ...login, system });
  } finally {
    await system.stop();
  }
}
