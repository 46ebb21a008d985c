import { CommsError } from './errors.ts';
import { assertIdentifier } from './identifiers.ts';

/**
 * Replica N of a module connects as `{module}-r{N}` (docs/scaling.md): its own session, reply topic
 * and replica status, in the module's client-id namespace so it logs in with the module's credentials.
 */
export function replicaClientId(module: string, index: number): string {
  if (!Number.isInteger(index) || index < 1) throw new CommsError('E_CONFIG_INVALID', `replica number ${index} is not a positive integer; replicas are numbered 1, 2, 3, ...`);
  return assertIdentifier(`${module}-r${index}`, 'replica client id');
}

/** Whether `clientId` is a replica of `module` (`{module}-r{N}`). */
export function isReplicaOf(module: string, clientId: string): boolean {
  return clientId.startsWith(`${module}-r`) && /^[1-9][0-9]*$/.test(clientId.slice(module.length + 2));
}

/** Replicas per module the generated mosquitto ACL names one by one (an MQTT filter cannot say `{module}-r+`). */
export const MAX_ACL_REPLICAS = 16;
