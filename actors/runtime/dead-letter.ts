import { createEnvelope, type CommsError, type DeadLetter, type Envelope } from '../../protocol/index.ts';

/** The envelope a module publishes to its dead-letter topic: the reason and the original bytes, exactly. */
export function deadLetterEnvelope(module: string, sessionId: string, topic: string, payload: Buffer, error: CommsError, originalId?: string): Envelope<DeadLetter> {
  const text = payload.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(payload);
  return createEnvelope<DeadLetter>({
    kind: 'event',
    from: module,
    to: '*',
    conversationId: sessionId,
    schema: 'deadletter@1',
    body: {
      reason: error.toBody(),
      topic,
      payload: isText ? text : payload.toString('base64'),
      encoding: isText ? 'utf8' : 'base64',
      ...(originalId ? { originalId } : {}),
    },
  });
}

/** What can still be read from a payload that failed validation, to address the error reply. */
export interface SalvagedFields {
  id?: string;
  from?: string;
  conversationId?: string;
  replyTo?: string;
}

export function salvageFields(payload: Buffer): SalvagedFields {
  try {
    const value: unknown = JSON.parse(payload.toString('utf8'));
    if (typeof value !== 'object' || value === null) return {};
    const record = value as Record<string, unknown>;
    const pick = (key: string, pattern: RegExp) => (typeof record[key] === 'string' && pattern.test(record[key] as string) ? (record[key] as string) : undefined);
    const ident = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
    return {
      id: pick('id', ident),
      from: pick('from', ident),
      conversationId: pick('conversationId', ident),
      replyTo: pick('replyTo', /^comms\/v1\/replies\/[a-z0-9][a-z0-9_.-]{0,63}$/),
    };
  } catch {
    return {};
  }
}
