import type { Logger } from '../../logging/index.ts';
import { CommsError, createEnvelope, parseSchemaId, Topics, type Envelope } from '../../protocol/index.ts';
import { deadLetterEnvelope } from './dead-letter.ts';
import type { QueryHandler } from './query-handler.ts';

/** What is known of a refused message: as much as could be read of it. */
export interface RefusedMessage {
  id?: string;
  from?: string;
  conversationId?: string;
  replyTo?: string;
}

/** Who refuses: the module, its session (named in the dead letter) and where it logs and publishes. */
export interface Refuser {
  module: string;
  sessionId: string;
  log: Logger;
  publish(topic: string, envelope: Envelope): Promise<void>;
}

/**
 * A message a module cannot accept is never dropped silently (docs/protocol.md, Dead letters): an
 * error answer to its replyTo when the message says enough to address one, and a dead letter with
 * the first KiB of its bytes.
 */
export function refuseMessage(refuser: Refuser, answer: (replyTo: string, reply: Envelope) => void, topic: string, payload: Buffer, error: CommsError, about: RefusedMessage): void {
  refuser.log.warn({ code: error.code, topic, id: about.id }, error.message);
  if (about.replyTo && about.conversationId && about.from) {
    const reply = createEnvelope({
      kind: 'error',
      from: refuser.module,
      to: about.from,
      conversationId: about.conversationId,
      schema: 'error@1',
      body: error.toBody(),
      ...(about.id ? { correlationId: about.id } : {}),
    });
    answer(about.replyTo, reply);
  }
  void deadLetterEnvelope(refuser.module, refuser.sessionId, topic, payload, error, about.id)
    .then((letter) => refuser.publish(Topics.deadletter(refuser.module), letter))
    .catch((err: unknown) => refuser.log.error({ err }, 'dead letter not published'));
}

/** E_VERSION_UNSUPPORTED when another major of the query is answered here (change the version), else E_UNKNOWN_QUERY. */
export function unknownQuery(module: string, handlers: ReadonlyMap<string, QueryHandler>, schema: string): CommsError {
  const { name } = parseSchemaId(schema);
  const sameName = [...handlers.keys()].filter((id) => parseSchemaId(id).name === name);
  if (sameName.length > 0) {
    return new CommsError('E_VERSION_UNSUPPORTED', `${module} does not answer ${schema}; it answers ${sameName.join(', ')}.`, { supported: sameName });
  }
  return new CommsError('E_UNKNOWN_QUERY', `${module} has no handler for ${schema}. It answers: ${[...handlers.keys()].join(', ') || 'nothing'}.`, { supported: [...handlers.keys()] });
}
