import { CommsError, createEnvelope, type ModuleStatus } from '../../protocol/index.ts';
import type { Conversation } from './conversation.ts';

/**
 * A replica went offline or lost (docs/scaling.md, Losing a replica): the requests it acknowledged
 * can never be answered, because no other replica knows them. Each conversation it held fails at
 * once with E_PEER_LOST, or, when the requester opted in for an idempotent query, is sent again
 * (same request id, next attempt) through the shared inbox to a replica still there.
 */
export function settleHeldBy(conversations: Iterable<Conversation>, holderTopic: string, replica: string, state: ModuleStatus['state'], requester: string): void {
  for (const conversation of conversations) {
    if (conversation.holderTopic !== holderTopic) continue;
    if (conversation.retryOnReplicaLoss) {
      conversation.forgetHolder();
      conversation.peerLost();
      conversation.peerBack();
      continue;
    }
    const error = new CommsError('E_PEER_LOST', `replica ${replica} of ${conversation.to} went ${state} while holding this request; send it again (an idempotent query may opt in to retryOnReplicaLoss).`, { replica });
    conversation.receive(
      createEnvelope({ kind: 'error', from: conversation.to, to: requester, conversationId: conversation.id, correlationId: conversation.requestId, schema: 'error@1', body: error.toBody() }),
    );
  }
}
