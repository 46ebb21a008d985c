import { CommsError } from '../protocol/index.ts';

/** The modules that may run as several replicas: stateless between requests (the orchestrator keeps workflows, the recorder is the one writer). */
export const REPLICABLE_MODULES = ['marker', 'arangodb'] as const;
export type ReplicableModule = (typeof REPLICABLE_MODULES)[number];

/** How many replicas of each module `comms up` starts; a module left out runs once, as itself. */
export type ReplicaCounts = Partial<Record<ReplicableModule, number>>;

/** aedes has no shared subscriptions: refuse before anything starts, naming the way out. */
export function assertReplicasPossible(counts: ReplicaCounts | undefined, url: string | undefined): void {
  const asked = Object.entries(counts ?? {}).filter(([, n]) => (n ?? 0) > 0);
  if (asked.length === 0 || url !== undefined) return;
  throw new CommsError(
    'E_REPLICAS_UNSUPPORTED',
    `replicas (${asked.map(([m, n]) => `${m}=${n}`).join(', ')}) need a broker with shared subscriptions; the embedded aedes broker has none. Start mosquitto 2.x and pass --url mqtt://HOST:PORT (docs/scaling.md).`,
  );
}

/**
 * One actor per replica of `module` (replica numbers 1..N), or the single unreplicated actor when no
 * count is given: `make` receives the `replica` option to pass on.
 */
export function replicated<T>(module: ReplicableModule, counts: ReplicaCounts | undefined, make: (replica: { replica?: number }) => T): T[] {
  const count = counts?.[module] ?? 0;
  if (count <= 0) return [make({})];
  return Array.from({ length: count }, (_, i) => make({ replica: i + 1 }));
}
