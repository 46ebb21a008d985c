import { assertIdentifier, newId, Topics } from '../../protocol/index.ts';
import { AckWatch } from './ack-watch.ts';
import { Conversation, type ConversationTransport } from './conversation.ts';
import type { RequestOptions } from './request-options.ts';

/** How the conversations reach the bus (the Actor's connection). */
export interface ConversationSender {
  module: string;
  replyTopic: string;
  send: ConversationTransport['send'];
}

/**
 * The requester side of an Actor: the conversations it opened and has not settled, and the settled
 * ones whose last events are still on their way out (stop() waits for those). One transport object
 * and one `settled` function serve every conversation: no closures per request.
 */
export class OpenConversations {
  private readonly byRequest = new Map<string, Conversation>();
  /** Settled conversations whose final event or state snapshot may still be on its way out; stop() waits for them. */
  private readonly flushing = new Set<Conversation>();
  private readonly transport: ConversationTransport;
  /** Inbox topics of the modules this actor asks (ConversationTransport.inboxOf). */
  private readonly inboxes = new Map<string, string>();

  constructor(sender: ConversationSender) {
    this.transport = {
      module: sender.module,
      replyTopic: sender.replyTopic,
      acks: new AckWatch(),
      send: sender.send,
      drained: (conversation) => this.flushing.delete(conversation as Conversation),
      inboxOf: (module) => {
        let topic = this.inboxes.get(module);
        if (topic === undefined) this.inboxes.set(module, (topic = Topics.moduleInbox(module)));
        return topic;
      },
    };
  }

  /** A new conversation, open until it settles; its request goes out in a microtask, once listeners could be attached. */
  open<R>(to: string, schema: string, body: unknown, settings: RequestOptions & { conversationId?: string }): Conversation<R> {
    // A parent's signal outlives its child requests: the abort listener goes when the conversation settles.
    let detach: (() => void) | undefined;
    const conversation = new Conversation<R>(
      {
        conversationId: settings.conversationId ?? newId(),
        requestId: newId(),
        to: assertIdentifier(to, 'module'),
        schema,
        body,
        parentId: settings.parentId,
        timeoutMs: settings.timeoutMs,
        ackTimeoutMs: settings.ackTimeoutMs,
        maxAttempts: settings.maxAttempts,
        peerGraceMs: settings.peerGraceMs,
        eventsAfterMs: settings.eventsAfterMs,
        retryOnReplicaLoss: settings.retryOnReplicaLoss,
        retryAttempts: settings.retry?.attempts ?? 0,
      },
      this.transport,
      settings.signal
        ? (done) => {
            detach?.();
            this.settled(done);
          }
        : this.settled,
    );
    // Conversation<R> only differs from Conversation<unknown> in the result's type, which the map never reads.
    this.byRequest.set(conversation.requestId, conversation as unknown as Conversation);
    if (settings.signal) {
      const signal = settings.signal;
      if (signal.aborted) queueMicrotask(() => conversation.cancel('parent canceled'));
      else {
        const onAbort = () => conversation.cancel('parent canceled');
        signal.addEventListener('abort', onAbort, { once: true });
        detach = () => signal.removeEventListener('abort', onAbort);
      }
    }
    queueMicrotask(() => conversation.start());
    return conversation;
  }

  /** A conversation ended: it is no longer open, but its last events may still be on their way out. One function for all. */
  private readonly settled = (done: Conversation): void => {
    this.byRequest.delete(done.requestId);
    // No promise per conversation: stop() makes them, for the ones still here (the transport's `drained` takes them out).
    if (done.publishing) this.flushing.add(done);
  };

  find(requestId: string): Conversation | undefined {
    return this.byRequest.get(requestId);
  }

  values(): Conversation[] {
    return [...this.byRequest.values()];
  }

  connectionChanged(up: boolean): void {
    this.byRequest.forEach((conversation) => conversation.connectionChanged(up));
  }

  /** The module asked went online (with this session) or away: its conversations wait for it or pick up again. */
  peerStatus(module: string, online: boolean, sessionId: string): void {
    for (const conversation of this.byRequest.values()) {
      if (conversation.to !== module) continue;
      if (online) conversation.peerBack(sessionId);
      else conversation.peerLost(sessionId);
    }
  }

  /** Cancel every open conversation (they settle at once); resolves when all settled ones have sent their last events. */
  cancelAll(reason: string): Promise<void> {
    for (const conversation of [...this.byRequest.values()]) conversation.cancel(reason);
    return Promise.all([...this.flushing].map((conversation) => conversation.flushed())).then(() => {});
  }
}
