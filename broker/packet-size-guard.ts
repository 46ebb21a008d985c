import type { Socket } from 'node:net';

/**
 * aedes accepts MQTT packets of any size (a 32 MiB publish goes through), buffering them whole.
 * This reads the same bytes as aedes, in parallel, tracking only the fixed headers, and destroys
 * the socket as soon as a packet announces a remaining length over the limit, before its body
 * arrives.
 */
export function guardPacketSize(socket: Socket, maxPacketBytes: number, onViolation: (announced: number) => void): void {
  let state: 'type' | 'length' | 'body' = 'type';
  let length = 0;
  let multiplier = 1;
  let lengthBytes = 0;
  let remaining = 0;

  socket.on('data', (chunk: Buffer) => {
    let i = 0;
    while (i < chunk.length) {
      if (state === 'body') {
        const take = Math.min(remaining, chunk.length - i);
        remaining -= take;
        i += take;
        if (remaining === 0) state = 'type';
        continue;
      }
      const byte = chunk[i++] as number;
      if (state === 'type') {
        state = 'length';
        length = 0;
        multiplier = 1;
        lengthBytes = 0;
        continue;
      }
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      lengthBytes++;
      if ((byte & 0x80) === 0 || lengthBytes === 4) {
        if (length > maxPacketBytes) {
          onViolation(length);
          socket.destroy();
          return;
        }
        remaining = length;
        state = remaining === 0 ? 'type' : 'body';
      }
    }
  });
}
