import { eventEnvelope, isIdentifier, parseTopic, type CommsError, type DeadLetter, type Envelope } from '../../protocol/index.ts';

/**
 * Bytes of the refused payload a dead letter keeps. A dead letter must stay far below the packet
 * limit whatever was refused: 3 MB of `\x01` escaped whole was 18.9 MB, the broker dropped the module
 * for it, and mqtt.js re-sent it on every reconnect.
 */
export const DEAD_LETTER_EXCERPT_BYTES = 1024;

/** The envelope a module publishes to its dead-letter topic: the reason, the size, a sha256 and the first KiB. */
export async function deadLetterEnvelope(module: string, sessionId: string, topic: string, payload: Buffer, error: CommsError, originalId?: string): Promise<Envelope<DeadLetter>> {
  const head = payload.subarray(0, DEAD_LETTER_EXCERPT_BYTES);
  const text = utf8Prefix(head);
  return eventEnvelope<DeadLetter>({
    from: module,
    conversationId: sessionId,
    schema: 'deadletter@1',
    body: {
      reason: error.toBody(),
      topic,
      payload: text ?? head.toString('base64'),
      encoding: text !== undefined ? 'utf8' : 'base64',
      size: payload.byteLength,
      sha256: await sha256(payload),
      truncated: head.byteLength < payload.byteLength,
      ...(originalId ? { originalId } : {}),
    },
  });
}

/** WebCrypto hashes on libuv's thread pool: a 16 MiB payload does not hold up the module's other messages. */
async function sha256(payload: Buffer): Promise<string> {
  // A Buffer from mqtt.js sits on an ArrayBuffer, never a SharedArrayBuffer, which is all the type leaves open.
  const digest = await crypto.subtle.digest('SHA-256', payload as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString('hex');
}

/** `head` as text when it is UTF-8 (allowing a character cut at the end), else undefined. */
function utf8Prefix(head: Buffer): string | undefined {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let cut = 0; cut <= Math.min(3, head.byteLength); cut++) {
    try {
      return decoder.decode(head.subarray(0, head.byteLength - cut));
    } catch {
      // a multi-byte character cut by the excerpt: try one byte shorter
    }
  }
  return undefined;
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

const SALVAGED: Array<[keyof SalvagedFields, (value: string) => boolean]> = [
  ['id', isIdentifier],
  ['from', isIdentifier],
  ['conversationId', isIdentifier],
  ['replyTo', isReplyTopic],
];

/**
 * The addressing fields of a refused payload. The payload is not parsed again (it may be one refused
 * before parsing, too large or too deep): each field is looked up with a native byte search, so salvaging costs
 * microseconds whatever the payload. Envelopes put these fields before the body, so the first match
 * is the envelope's own; a hostile sender could only misaddress the error reply to itself or to a
 * reply topic it could have named in a valid request anyway.
 */
export function salvageFields(payload: Buffer): SalvagedFields {
  const fields: SalvagedFields = {};
  for (const [key, valid] of SALVAGED) {
    const value = findStringMember(payload, key);
    if (typeof value === 'string' && valid(value)) fields[key] = value;
  }
  return fields;
}

/** Value of the first `"key": "value"` in the bytes, when the value is a short plain string. */
function findStringMember(payload: Buffer, key: string): string | undefined {
  const at = payload.indexOf(`"${key}"`);
  if (at < 0) return undefined;
  const window = payload.subarray(at + key.length + 2, at + key.length + 2 + 300).toString('utf8');
  return /^\s*:\s*"([^"\\]{1,256})"/.exec(window)?.[1];
}
