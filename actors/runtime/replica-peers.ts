import type { ModuleStatus } from '../../protocol/index.ts';

/**
 * The replicas on the bus, as their retained statuses on `comms/v1/replicas/{clientId}/status`
 * tell them (docs/scaling.md, Presence): a stopping replica marks its module offline only when no
 * other replica of it is online.
 */
export class ReplicaPeers {
  private readonly replicas = new Map<string, { module: string; state: ModuleStatus['state'] }>();

  update(clientId: string, module: string, state: ModuleStatus['state']): void {
    this.replicas.set(clientId, { module, state });
  }

  /** Whether a replica of `module` other than `self` is online. */
  anotherOnline(module: string, self: string): boolean {
    for (const [clientId, replica] of this.replicas) {
      if (clientId !== self && replica.module === module && replica.state === 'online') return true;
    }
    return false;
  }
}
