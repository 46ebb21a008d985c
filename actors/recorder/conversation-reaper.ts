import type { Database } from 'better-sqlite3';
import { decodeEnvelope, isReplicaOf, parseTopic, Topics, type ModuleStatus } from '../../protocol/index.ts';
import { reapConversations, recordedSession } from '../../storage/index.ts';

/**
 * Every conversation ends, even when its requester cannot end it: called by the recorder for
 * each module status before it is recorded. `lost` (the will) or `offline` ends the module's open
 * conversations and their children as canceled / E_PEER_LOST; `online` with a session other than
 * the one recorded for the same client id (a restart) ends those begun before it. Only the
 * conversations of that connection (their request's replyTo) are touched: several processes may
 * share a module name. Because the recorder gets the retained
 * statuses when it (re)subscribes, the same path reconciles rows left open while it was down.
 * Returns the conversation ids ended, whose retained state snapshots the caller clears.
 */
export function reapOnStatus(db: Database, topic: string, payload: Buffer): string[] {
  const parsed = parseTopic(topic);
  // A replica's own status (docs/scaling.md) speaks for the conversations that replica asked.
  const replica = parsed?.kind === 'replica-status';
  if ((parsed?.kind !== 'module-status' && !replica) || payload.length === 0) return [];
  let status: ModuleStatus;
  let module: string;
  try {
    const envelope = decodeEnvelope(payload, { schema: 'module.status@1' });
    status = envelope.body as ModuleStatus;
    module = envelope.from;
    // Only a module speaks for its own presence (and its replicas' for theirs): a status on its topic from anyone
    // else (possible on a broker that does not pin `from`) is recorded as forged and ends nothing.
    if (replica ? !isReplicaOf(module, parsed.subject) || status.clientId !== parsed.subject : module !== parsed.subject) return [];
  } catch {
    return []; // the recorder stores it as invalid; it says nothing about the module
  }
  const replyTo = Topics.replies(status.clientId);
  if (status.state === 'lost' || status.state === 'offline') {
    return reapConversations(db, module, { code: 'E_PEER_LOST', message: `requester ${module} went ${status.state}; its conversation cannot continue.` }, { replyTo });
  }
  const previous = recordedSession(db, module, status.clientId);
  if (status.state === 'online' && previous && previous !== status.sessionId) {
    return reapConversations(db, module, { code: 'E_PEER_LOST', message: `requester ${module} restarted; its conversation did not survive.` }, { startedBefore: status.at, replyTo });
  }
  return [];
}
