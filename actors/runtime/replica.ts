import { CommsError, decodeJsonObject, SHARED_SUBSCRIPTION_PREFIX } from '../../protocol/index.ts';

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

/** A cancel or input (kind `cancel` / `request`) sent to a replica's reply topic: its Responder's, not a reply. */
export function isFollowUp(payload: Buffer, maxBytes: number): boolean {
  const kind = decodeJsonObject(payload, { maxBytes })?.kind;
  return kind === 'cancel' || kind === 'request';
}
