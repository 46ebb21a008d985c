import { eventEnvelope, isIdentifier, parseTopic, type CommsError, type DeadLetter, type Envelope } from '../../protocol/index.ts';

/** The envelope a module publishes to its dead-letter topic: the reason and the original bytes, exactly. */
export function deadLetterEnvelope(module: string, sessionId: string, topic: string, payload: Buffer, error: CommsError, originalId?: string): Envelope<DeadLetter> {
  const text = payload.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(payload);
  return eventEnvelope<DeadLetter>({
    from: module,
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

function isReplyTopic(topic: string): boolean {
  const parsed = parseTopic(topic);
  return parsed?.kind === 'replies' && isIdentifier(parsed.subject);
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
    const pick = (key: string, valid: (value: string) => boolean) => (typeof record[key] === 'string' && valid(record[key] as string) ? (record[key] as string) : undefined);
    return {
      id: pick('id', isIdentifier),
      from: pick('from', isIdentifier),
      conversationId: pick('conversationId', isIdentifier),
      replyTo: pick('replyTo', isReplyTopic),
    };
  } catch {
    return {};
  }
}
