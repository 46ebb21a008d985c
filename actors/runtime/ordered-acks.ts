import type { IPublishPacket, MqttClient } from 'mqtt';

/**
 * Acknowledge QoS 1 messages after their handler's promise resolves, without waiting for it
 * before reading the next message. mqtt.js hands over one PUBLISH at a time and sends its PUBACK
 * from `handleMessage`'s callback, so a handler that waits to commit a group (the recorder) would
 * only ever see groups of one. Here the callback is called at once with `HELD`, which mqtt.js 5
 * takes as "no PUBACK" (handlers/publish.js: an error passed to the callback skips the PUBACK and
 * goes on with the next packet), and the PUBACK is written here once the handler is done.
 *
 * PUBACKs leave in the order the messages came (MQTT 3.1.1, 4.6.0-2): a resolved message waits
 * behind an earlier one still pending. A handler that fails is never acknowledged (the broker
 * redelivers it on the next connection); nor is anything pending when the connection drops, since
 * a PUBACK for an earlier connection's delivery must not go out on the next one.
 */
export class OrderedAcks {
  private readonly queue: Array<{ messageId: number; stream: unknown; done: boolean; failed: boolean }> = [];

  constructor(private readonly client: MqttClient) {
    client.on('close', () => {
      this.queue.length = 0;
    });
  }

  /** Installs `handle` as the client's message handler. */
  static install(client: MqttClient, handle: (packet: IPublishPacket) => Promise<void>): OrderedAcks {
    const acks = new OrderedAcks(client);
    client.handleMessage = (packet, callback) => {
      const messageId = packet.messageId;
      if (packet.qos !== 1 || messageId === undefined) {
        // QoS 0 has no PUBACK; this client never subscribes at QoS 2.
        handle(packet).then(
          () => callback(),
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
        return;
      }
      const entry = { messageId, stream: client.stream, done: false, failed: false };
      acks.queue.push(entry);
      handle(packet).then(
        () => {
          entry.done = true;
          acks.flush();
        },
        () => {
          entry.done = true;
          entry.failed = true;
          acks.flush();
        },
      );
      callback(HELD);
    };
    return acks;
  }

  private flush(): void {
    let head = this.queue[0];
    while (head?.done) {
      this.queue.shift();
      if (!head.failed && this.client.connected && this.client.stream === head.stream) {
        (this.client as unknown as PacketSender)._sendPacket({ cmd: 'puback', messageId: head.messageId });
      }
      head = this.queue[0];
    }
  }
}

/** What mqtt.js's callback gets instead of success: it skips its own PUBACK. */
const HELD = new Error('acknowledged later, in order, by OrderedAcks');

/** mqtt.js's packet writer (private in its types; the same call its own PUBACKs go through). */
interface PacketSender {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }): void;
}
