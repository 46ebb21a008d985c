import type { Logger } from '../../logging/index.ts';
import type { ModuleStatus } from '../../protocol/index.ts';
import { readReplicaStatus } from './presence.ts';

/**
 * The replicas on the bus, as their retained statuses on `comms/v1/replicas/{clientId}/status`
 * tell them (docs/scaling.md, Presence): a stopping replica marks its module offline only when no
 * other replica of it is online.
 */
export class ReplicaPeers {
  private readonly replicas = new Map<string, { module: string; state: ModuleStatus['state'] }>();

  /** Take a message of `comms/v1/replicas/{clientId}/status`; returns what it says, undefined for an empty or unreadable one. */
  accept(clientId: string, payload: Buffer, log: Logger): { module: string; state: ModuleStatus['state'] } | undefined {
    const status = readReplicaStatus(clientId, payload, log);
    if (status) this.replicas.set(clientId, status);
    return status;
  }

  /** Whether a replica of `module` other than `self` is online. */
  anotherOnline(module: string, self: string): boolean {
    for (const [clientId, replica] of this.replicas) {
      if (clientId !== self && replica.module === module && replica.state === 'online') return true;
    }
    return false;
  }
}
