import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * How `message_log.payload` holds a payload (docs/storage.md, Payloads): the exact bytes, or, for
 * payloads of at least MIN_COMPRESS bytes, a 0x01 marker and the raw-deflate of the bytes against
 * a preset dictionary of envelope text. A JSON payload never starts with 0x01 (control characters
 * are not JSON), and a non-JSON payload that does is stored behind a 0x00 marker, so every stored
 * value decodes to exactly the bytes received.
 */
const DEFLATED = 0x01;
const ESCAPED = 0x00;
const MIN_COMPRESS = 96;

// Envelope fragments in the order they appear, most frequent last (deflate finds near matches cheaper).
const DICTIONARY = Buffer.from(
  [
    '"deadline":"","replyTo":"comms/v1/replies/","correlationId":"","kind":"request","kind":"reply","kind":"progress",',
    '"schema":"progress@1","body":{"percent":0,"stage":"accepted"}}',
    '"schema":"module.status@1","body":{"state":"online","sessionId":"","clientId":"","at":""}}',
    '"schema":"conversation.state@1","body":{"state":"working","seq":1,"percent":0,"attempts":1,"startedAt":"","updatedAt":""',
    '"result":{"schema":"","messageId":""}}}',
    '"error":{"code":"E_","message":""}',
    '"progress":{"percent":0,"stage":""}}}',
    '"schema":"conversation.event@1","body":{"type":"state","state":"completed","requester":"","responder":"","query":"","requestId":"","attempt":1',
    '{"v":1,"id":"01","sentAt":"2026-01-01T00:00:00.000Z","kind":"event","to":"*","from":"","conversationId":"","seq":1,',
  ].join(''),
);
const OPTIONS = { dictionary: DICTIONARY, level: 9, windowBits: 10, memLevel: 2 } as const;
// Inflating with the largest window reads any window size; the dictionary is under 1 KiB, so both sides use all of it.
const INFLATE = { dictionary: DICTIONARY, windowBits: 15 } as const;

export function encodePayload(payload: Buffer): Buffer {
  if (payload.length >= MIN_COMPRESS) {
    const packed = deflateRawSync(payload, OPTIONS);
    if (packed.length + 1 < payload.length) return Buffer.concat([MARK_DEFLATED, packed], packed.length + 1);
  }
  return payload.length > 0 && (payload[0] === DEFLATED || payload[0] === ESCAPED) ? Buffer.concat([MARK_ESCAPED, payload]) : payload;
}

export function decodePayload(stored: Buffer): Buffer {
  if (stored.length === 0) return stored;
  if (stored[0] === DEFLATED) return inflateRawSync(stored.subarray(1), INFLATE);
  if (stored[0] === ESCAPED) return stored.subarray(1);
  return stored;
}

const MARK_DEFLATED = Buffer.from([DEFLATED]);
const MARK_ESCAPED = Buffer.from([ESCAPED]);
