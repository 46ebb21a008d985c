/** An MQTT packet as aedes hands it to its persistence: plain fields, a payload, maybe Buffers in MQTT 5 properties. */
export type StoredPacket = Record<string, unknown> & { payload?: unknown };

export interface EncodedPacket {
  meta: string;
  payload: Buffer | null;
}

/**
 * Split a packet into JSON (everything but the payload) and the payload as bytes. A string
 * payload (aedes accepts them from in-process publishers) is marked so it comes back a string.
 */
export function encodePacket(packet: StoredPacket): EncodedPacket {
  const { payload, ...rest } = packet;
  let bytes: Buffer | null = null;
  if (typeof payload === 'string') {
    rest['$payloadString'] = true;
    bytes = Buffer.from(payload, 'utf8');
  } else if (payload instanceof Uint8Array) bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  return { meta: JSON.stringify(rest), payload: bytes };
}

export function decodePacket(meta: string, payload: Buffer | null): StoredPacket {
  // Buffer.toJSON runs before any replacer, so Buffers nested in properties come back from {type, data}.
  const packet = JSON.parse(meta, (_key, value: unknown) => {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
      return Buffer.from((value as { data: number[] }).data);
    }
    return value;
  }) as StoredPacket;
  if (packet['$payloadString']) {
    delete packet['$payloadString'];
    packet.payload = (payload ?? Buffer.alloc(0)).toString('utf8');
  } else if (payload) packet.payload = payload;
  return packet;
}
