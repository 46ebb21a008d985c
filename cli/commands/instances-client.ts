import { createLogger } from '../../logging/index.ts';
import { CommsError, INSTANCES_MODULE, newId, type InstanceListItem } from '../../protocol/index.ts';
import { OnlineModules } from '../online-modules.ts';

export interface BusLogin {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
}

/**
 * One request to the `instances` module of a running `comms up`, as the CLI's `client` actor (the
 * instance commands share it; `comms ask` is the general form). The request goes out at once: the
 * retained statuses can arrive after our own on a loaded broker, so presence is consulted only
 * to explain a request nobody acknowledged (E_NO_SUCH_MODULE instead of a bare E_TIMEOUT).
 */
export async function askInstances<R>(login: BusLogin, schema: string, body: unknown): Promise<R> {
  const { Actor } = await import('../../actors/runtime/index.ts');
  const actor = new Actor({ name: 'client', clientId: `client-${newId()}`, url: login.url, username: login.username, password: login.password, logger: createLogger('client', process.env.COMMS_LOG_LEVEL ?? 'warn') });
  const presence = new OnlineModules(actor);
  await actor.start();
  try {
    return await actor.ask<R>(INSTANCES_MODULE, schema, body, { timeoutMs: 30_000 });
  } catch (err) {
    if (err instanceof CommsError && err.code === 'E_TIMEOUT') await presence.require(INSTANCES_MODULE);
    throw err;
  } finally {
    await actor.stop();
  }
}

/** One line per instance, under a header. */
export function formatInstances(instances: readonly InstanceListItem[]): string {
  if (instances.length === 0) return 'no instances yet (an instance-backed module opens one on its first request)';
  const rows = instances.map((i) => [i.id, i.module, i.backend, i.state, String(i.turns), i.lastUsed ?? '-']);
  const header = ['ID', 'MODULE', 'BACKEND', 'STATE', 'TURNS', 'LAST USE'];
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)));
  return [header, ...rows].map((r) => r.map((cell, k) => cell.padEnd(widths[k] as number)).join('  ').trimEnd()).join('\n');
}
