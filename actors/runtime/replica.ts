import { assertIdentifier, CommsError, SHARED_SUBSCRIPTION_PREFIX } from '../../protocol/index.ts';

/**
 * Replica `index` of a module (docs/scaling.md): its own client id (so its own session, reply topic
 * and status), the module's inbox shared with the other replicas.
 */
export function replicaClientId(module: string, index: number): string {
  if (!Number.isInteger(index) || index < 1) throw new CommsError('E_CONFIG_INVALID', `replica number ${index} is not a positive integer; replicas are numbered 1, 2, 3, ...`);
  return assertIdentifier(`${module}-r${index}`, 'replica client id');
}

/** The error for a broker that refused the shared inbox: aedes has no shared subscriptions, or the ACL lacks the filter. */
export function replicasUnsupported(module: string, refused: readonly string[]): CommsError {
  return new CommsError(
    'E_REPLICAS_UNSUPPORTED',
    `the broker refused ${module}'s shared subscription ${refused.join(', ')}: the embedded aedes broker has no shared subscriptions. Run mosquitto 2.x and pass --url mqtt://HOST:PORT (with security, regenerate its ACL with comms mosquitto-config). See docs/scaling.md.`,
    { refused },
  );
}

/** Refused filters that are shared subscriptions. */
export function sharedFilters(filters: readonly string[]): string[] {
  return filters.filter((f) => f.startsWith(SHARED_SUBSCRIPTION_PREFIX));
}
