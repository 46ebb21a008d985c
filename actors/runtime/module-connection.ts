import type { ActorOptions } from './actor.ts';

/**
 * What every module takes from its caller to join the bus (the module fixes its own name, card and
 * handlers). The client id defaults to the module name, which the broker's role policy expects.
 */
export type ModuleConnectionOptions = Pick<ActorOptions, 'url' | 'clientId' | 'replica' | 'username' | 'password' | 'tls' | 'logger'>;

/** Only the connection fields of a module's options, so module settings never reach the Actor. */
export function connectionOptions(options: ModuleConnectionOptions): ModuleConnectionOptions {
  const { url, clientId, replica, username, password, tls, logger } = options;
  return { url, clientId, replica, username, password, tls, logger };
}
