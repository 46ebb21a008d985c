import type { Logger } from '../../logging/index.ts';
import { CommsError, decodeEnvelope, Topics, type Envelope, type SchemaRegistry } from '../../protocol/index.ts';
import type { Conversation } from './conversation.ts';
import { deadLetterEnvelope } from './dead-letter.ts';

export interface ReplyIntakeDeps {
  module: string;
  sessionId: string;
  replyTopic: string;
  registry: SchemaRegistry;
  maxMessageBytes: number;
  log: Logger;
  /** The open conversation a request id belongs to. */
  find(requestId: string): Conversation | undefined;
  publish(topic: string, envelope: Envelope): Promise<void>;
}

/**
 * The requester's side of its reply topic: each reply, error or progress goes to the open
 * conversation it answers, but only when it comes from the module that conversation asked and is
 * addressed to this module (docs/security.md, "Who is trusted for what").
 */
export class ReplyIntake {
  constructor(private readonly deps: ReplyIntakeDeps) {}

  accept(payload: Buffer): void {
    let envelope: Envelope;
    try {
      envelope = decodeEnvelope(payload, { maxBytes: this.deps.maxMessageBytes });
    } catch (err) {
      // The recorder keeps every message, so an unreadable reply stays on record even though nobody can be answered.
      this.deps.log.warn({ err }, 'unreadable message on the reply topic');
      return;
    }
    const conversation = envelope.correlationId ? this.deps.find(envelope.correlationId) : undefined;
    if (!conversation) {
      this.deps.log.debug({ correlationId: envelope.correlationId, kind: envelope.kind }, 'reply for a conversation that is no longer open');
      return;
    }
    if (envelope.from !== conversation.to || envelope.to !== this.deps.module) return this.refuseForged(payload, envelope, conversation);
    // Progress and error bodies drive the state machine: check them like replies, against the bus's own schemas.
    const bodySchema = envelope.kind === 'progress' ? 'progress@1' : envelope.kind === 'error' ? 'error@1' : envelope.schema;
    if (this.deps.registry.has(bodySchema) && (envelope.kind === 'reply' || envelope.kind === 'progress' || envelope.kind === 'error')) {
      try {
        this.deps.registry.validate(bodySchema, envelope.body);
      } catch (err) {
        const error = err as CommsError;
        if (envelope.kind === 'progress') {
          // Progress is advisory: an invalid report is ignored (the recorder keeps it) rather than ending the conversation.
          this.deps.log.warn({ err: error, from: envelope.from, conversationId: envelope.conversationId }, 'invalid progress report ignored');
          return;
        }
        conversation.receive({ ...envelope, kind: 'error', schema: 'error@1', body: { code: error.code, message: `${envelope.kind} from ${envelope.from} is invalid: ${error.message}`, details: error.details } });
        return;
      }
    }
    conversation.receive(envelope);
  }

  /**
   * Only the module asked answers, and only to the module that asked: anything else on the reply topic
   * (a forged reply, or a responder's error reflected here by a request someone else sent with our
   * replyTo) is ignored for the conversation and dead-lettered with the reason.
   */
  private refuseForged(payload: Buffer, envelope: Envelope, conversation: Conversation): void {
    const { module, sessionId, replyTopic, log } = this.deps;
    const error = new CommsError('E_FORGED', `${envelope.kind} from ${envelope.from} to ${envelope.to} ignored: conversation ${conversation.id} is ${module}'s request to ${conversation.to}.`);
    log.warn({ code: error.code, id: envelope.id, from: envelope.from, conversationId: conversation.id }, error.message);
    void deadLetterEnvelope(module, sessionId, replyTopic, payload, error, envelope.id)
      .then((letter) => this.deps.publish(Topics.deadletter(module), letter))
      .catch((err: unknown) => log.error({ err }, 'dead letter not published'));
  }
}
