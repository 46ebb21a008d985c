/**
 * A module's presence on the bus: the retained card and status it announces about itself, and
 * reading the status messages other modules announce (peer-status tracking in Actor).
 */
import type { Logger } from '../../logging/index.ts';
import { decodeEnvelope, eventEnvelope, Topics, type Envelope, type ModuleCard, type ModuleStatus } from '../../protocol/index.ts';
import type { ActorOptions } from './actor-options.ts';
import type { QueryHandler } from './query-handler.ts';

/** Who is announcing: the module, its connection and this start of it. */
export interface PresenceIdentity {
  name: string;
  clientId: string;
  sessionId: string;
  startedAt: string;
}

export function buildCard(who: PresenceIdentity, options: ActorOptions, handlers: Iterable<QueryHandler>): ModuleCard {
  return {
    name: who.name,
    version: options.version ?? '0.1.0',
    description: options.description ?? `${who.name} module`,
    queries: [...handlers].map((h) => ({
      schema: h.schema,
      description: h.description,
      requestSchema: h.request,
      responseSchemaId: h.responseSchemaId,
      responseSchema: h.response,
      idempotent: h.idempotent ?? false,
    })),
    backend: options.backend ?? { kind: 'code' },
    clientId: who.clientId,
    startedAt: who.startedAt,
  };
}

export function cardEnvelope(who: PresenceIdentity, card: ModuleCard): Envelope<ModuleCard> {
  return eventEnvelope({ from: who.name, conversationId: who.sessionId, schema: 'module.card@1', body: card });
}

export function statusEnvelope(who: PresenceIdentity, state: ModuleStatus['state']): Envelope<ModuleStatus> {
  return eventEnvelope({
    from: who.name,
    conversationId: who.sessionId,
    schema: 'module.status@1',
    body: { state, sessionId: who.sessionId, clientId: who.clientId, at: new Date().toISOString() },
  });
}

/** A peer's status message, or undefined for a cleared (empty) or unreadable one. */
export function readPeerStatus(module: string, payload: Buffer, log: Logger): Pick<ModuleStatus, 'state' | 'clientId' | 'sessionId'> | undefined {
  if (payload.length === 0) return undefined;
  try {
    // A status that is not a module.status@1 says nothing about the peer: it must not fail conversations as E_PEER_LOST.
    const { state, clientId, sessionId } = decodeEnvelope(payload, { schema: 'module.status@1' }).body as ModuleStatus;
    return { state, clientId, sessionId };
  } catch (err) {
    log.warn({ err, module }, 'unreadable status message ignored');
    return undefined;
  }
}

/** A replica's status (`comms/v1/replicas/{clientId}/status`): its module is the envelope's `from`; one naming another client is ignored. */
export function readReplicaStatus(clientId: string, payload: Buffer, log: Logger): { module: string; state: ModuleStatus['state'] } | undefined {
  if (payload.length === 0) return undefined;
  try {
    const envelope = decodeEnvelope(payload, { schema: 'module.status@1' });
    const status = envelope.body as ModuleStatus;
    return status.clientId === clientId ? { module: envelope.from, state: status.state } : undefined;
  } catch (err) {
    log.warn({ err, clientId }, 'unreadable replica status ignored');
    return undefined;
  }
}

/** Publishes one retained presence message. */
export type RetainedPublish = (topic: string, envelope: Envelope) => Promise<void>;

/** The card and the `online` status, and a replica's own status too (said again on every reconnect: aedes forgets retained messages on restart). */
export async function announceOnline(publish: RetainedPublish, who: PresenceIdentity, card: ModuleCard, replica: boolean): Promise<void> {
  await publish(Topics.moduleCard(who.name), cardEnvelope(who, card));
  await publish(Topics.moduleStatus(who.name), statusEnvelope(who, 'online'));
  if (replica) await publish(Topics.replicaStatus(who.clientId), statusEnvelope(who, 'online'));
}

/** `offline`; the module stays online while any other replica of it is (docs/scaling.md, Presence). */
export async function announceOffline(publish: RetainedPublish, who: PresenceIdentity, replica: boolean, anotherReplicaOnline: () => boolean): Promise<void> {
  if (replica) await publish(Topics.replicaStatus(who.clientId), statusEnvelope(who, 'offline'));
  if (!replica || !anotherReplicaOnline()) await publish(Topics.moduleStatus(who.name), statusEnvelope(who, 'offline'));
}
