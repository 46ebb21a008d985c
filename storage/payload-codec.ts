/**
 * How `message_log.payload` holds a payload (docs/storage.md, Tables): the exact bytes, or, for a
 * valid envelope, its JSON with the envelope's recurring text replaced by one-byte tokens and its
 * conversation id (which the row already has) by another. JSON never holds a raw byte below 0x20
 * other than whitespace (tab, LF, CR, which are never tokens), so every token in the stored text
 * came from a replacement, and decoding gives back the exact bytes. It costs two native regex
 * passes, a fraction of a zlib call, and shrinks a typical ~370 B event to ~150 B.
 *
 * First byte of the stored value: 0x02 token-coded; 0x00 an escape before raw bytes that would
 * otherwise start with 0x00 or 0x02; anything else the raw bytes.
 */
const TOKENS = 0x02;
const ESCAPED = 0x00;

/** The conversation id's token. */
const CONVERSATION = '\u001f';
/**
 * The token of the conversation id's first 8 characters: ULIDs made within the same ~1 s share them
 * (the message id, request id, correlation id of the conversation's messages).
 */
const ID_PREFIX = '\u0002';
const PREFIX_LENGTH = 8;

// Never change or reorder this list: stored rows refer to it by position. Append only while bytes are free.
const FRAGMENTS = [
  '{"v":1,"id":"',
  '","sentAt":"',
  '","kind":"event","to":"*","from":"',
  '","kind":"request","from":"',
  '","kind":"reply","from":"',
  '","kind":"progress","from":"',
  '","to":"',
  '","conversationId":"',
  '","seq":',
  ',"schema":"conversation.event@1","body":{"type":"',
  ',"schema":"conversation.state@1","body":{"state":"',
  ',"schema":"',
  '","correlationId":"',
  '","replyTo":"comms/v1/replies/',
  '","deadline":"',
  '","requester":"',
  '","responder":"',
  '","query":"',
  '","requestId":"',
  '","attempt":',
  ',"progress":{"percent":',
  ',"stage":"',
  '","state":"',
  ',"result":{"schema":"',
  '","messageId":"',
  '"module.status@1","body":{"state":"online","sessionId":"',
  '","clientId":"',
];
/** Token bytes: 0x00..0x1e without tab, LF, CR and 0x02; 0x1f is the conversation id, 0x02 its prefix (in the text, after the marker byte). */
const TOKEN_CHARS = [1, 3, 4, 5, 6, 7, 8, 0x0b, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x00].map((c) =>
  String.fromCharCode(c),
);

const toToken = new Map(FRAGMENTS.map((f, i) => [f, TOKEN_CHARS[i] as string]));
const toFragment = new Map(FRAGMENTS.map((f, i) => [TOKEN_CHARS[i] as string, f]));
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// Longest first, so a fragment that contains another wins.
const ENCODE = new RegExp([...FRAGMENTS].sort((a, b) => b.length - a.length).map(escapeRegex).join('|'), 'g');
const DECODE = new RegExp(`[${TOKEN_CHARS.map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('')}]`, 'g');

/** Stored form of a valid envelope's payload; `conversationId` is the one recorded in the same row. */
export function encodeEnvelopePayload(payload: Buffer, conversationId: string): Buffer {
  // latin1 maps bytes to chars one to one, so multi-byte UTF-8 passes through untouched.
  let text = payload.toString('latin1');
  if (conversationId.length >= 4) text = text.replaceAll(conversationId, CONVERSATION);
  if (conversationId.length > PREFIX_LENGTH + 4) text = text.replaceAll(conversationId.slice(0, PREFIX_LENGTH), ID_PREFIX);
  text = text.replace(ENCODE, (fragment) => toToken.get(fragment) as string);
  const stored = Buffer.allocUnsafe(text.length + 1);
  stored[0] = TOKENS;
  stored.write(text, 1, 'latin1');
  return stored.length < payload.length ? stored : encodeRawPayload(payload);
}

/** Stored form of any other payload: the bytes, escaped only when they would look like a stored form. */
export function encodeRawPayload(payload: Buffer): Buffer {
  return payload.length > 0 && (payload[0] === TOKENS || payload[0] === ESCAPED) ? Buffer.concat([Buffer.from([ESCAPED]), payload]) : payload;
}

/** The bytes as received; `conversationId` is the row's (needed for token-coded envelopes). */
export function decodePayload(stored: Buffer, conversationId: string | null): Buffer {
  if (stored.length === 0) return stored;
  if (stored[0] === ESCAPED) return stored.subarray(1);
  if (stored[0] !== TOKENS) return stored;
  let text = stored.toString('latin1', 1).replace(DECODE, (token) => toFragment.get(token) as string);
  if (conversationId !== null) {
    // The reverse order of encoding: the prefix token stood for text left after the whole id was replaced.
    if (conversationId.length > PREFIX_LENGTH + 4) text = text.replaceAll(ID_PREFIX, conversationId.slice(0, PREFIX_LENGTH));
    text = text.replaceAll(CONVERSATION, conversationId);
  }
  return Buffer.from(text, 'latin1');
}
