import { completedByReply, isBareAck, type ConversationEvent, type Envelope, type ProgressReport } from '../protocol/index.ts';

/** Conversation ids a watcher remembers, oldest forgotten first: a watch that runs for days stays small. */
const REMEMBERED = 10_000;

/**
 * The end of a quiet conversation, which publishes no event (docs/protocol.md, "Message budget of a
 * conversation"): `comms watch` also reads the reply topics and tells a reply as the `completed` event
 * the conversation did not publish, unless the conversation is public: the watcher saw events of it,
 * or progress beyond the bare ack on the reply topic, which makes the requester publish its events
 * (they may come after the reply: the requester publishes them one at a time). Its own final event
 * follows then. A conversation told from its reply has a later `completed` event skipped: a watcher
 * that joined while it was running saw neither its first events nor its quiet.
 */
export class QuietEndings {
  /** Conversations known to publish their events. */
  private readonly publicOnes = new Set<string>();
  private readonly toldFromReply = new Set<string>();

  /** A conversation event was seen; false when it is the end already told from the reply. */
  event(conversationId: string, event: ConversationEvent): boolean {
    if (event.state === 'completed' && this.toldFromReply.has(conversationId)) return false;
    remember(this.publicOnes, conversationId);
    return true;
  }

  /** A message on a reply topic: the `completed` event it stands for, or undefined (no reply, or the conversation publishes its events). */
  reply(envelope: Envelope): ConversationEvent | undefined {
    if (envelope.kind === 'progress' && !isBareAck(envelope.body as ProgressReport)) remember(this.publicOnes, envelope.conversationId);
    if (envelope.kind !== 'reply' || this.publicOnes.has(envelope.conversationId)) return undefined;
    remember(this.toldFromReply, envelope.conversationId);
    // The query is named by the request, which a watcher of events does not read.
    return completedByReply(envelope, { requester: envelope.to, responder: envelope.from, query: '', requestId: envelope.correlationId ?? '', attempt: 1 });
  }
}

function remember(ids: Set<string>, id: string): void {
  ids.delete(id);
  ids.add(id);
  if (ids.size > REMEMBERED) ids.delete(ids.values().next().value as string);
}
