import type { Socket } from 'node:net';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { CommsError } from '../../protocol/index.ts';
import { OrderedAcks } from './ordered-acks.ts';
import { replicasUnsupported, sharedFilters } from './replica.ts';

export interface BusConnectionOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the embedded broker or any MQTT 3.1.1 broker. */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** false keeps the session (subscriptions and queued QoS 1 messages) across reconnects. */
  clean?: boolean;
  will?: IClientOptions['will'];
  /** Reconnect delay; 0 turns reconnecting off. */
  reconnectPeriodMs?: number;
  connectTimeoutMs?: number;
  /** Extra TLS options for mqtts:// (ca, rejectUnauthorized...). */
  tls?: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'>;
  /**
   * Handles every incoming PUBLISH; its PUBACK is sent only when the promise resolves (and not at
   * all when it rejects, so the broker redelivers). Installed before CONNECT goes out, because a
   * persistent session's queued messages arrive right after CONNACK.
   */
  onMessage?: (packet: IPublishPacket) => Promise<void>;
  /**
   * Read the next message while `onMessage`'s promise is pending; each PUBACK still waits for its
   * promise and they leave in order (ordered-acks.ts). For a handler that commits in groups.
   */
  pipelined?: boolean;
}

/**
 * Open one MQTT 3.1.1 connection. Resolves when connected; a refused or unreachable broker becomes
 * a CommsError naming the URL, instead of mqtt.js retrying forever in the background.
 */
export async function openBusConnection(options: BusConnectionOptions): Promise<MqttClient> {
  const client = mqtt.connect(options.url, {
    protocolVersion: 4,
    clientId: options.clientId,
    username: options.username,
    password: options.password,
    clean: options.clean ?? true,
    will: options.will,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    resubscribe: true,
    ...options.tls,
  });
  const onMessage = options.onMessage;
  if (onMessage && options.pipelined) OrderedAcks.install(client, onMessage);
  else if (onMessage) {
    client.handleMessage = (packet, done) => {
      onMessage(packet).then(
        () => done(),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    };
  }
  // Nagle's algorithm costs ~40 ms stalls at low in-flight counts (docs/architecture.md, Actors: openBusConnection).
  client.on('connect', () => (client.stream as Partial<Socket>).setNoDelay?.(true));
  try {
    await new Promise<void>((resolve, reject) => {
      const onConnect = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error & { code?: number }) => {
        cleanup();
        reject(err);
      };
      const cleanup = () => {
        client.off('connect', onConnect);
        client.off('error', onError);
      };
      client.once('connect', onConnect);
      client.once('error', onError);
    });
  } catch (err) {
    client.end(true);
    const code = (err as { code?: number }).code;
    if (code === 4 || code === 5) {
      throw new CommsError(code === 4 ? 'E_AUTH_FAILED' : 'E_NOT_AUTHORIZED', `broker ${options.url} refused client ${options.clientId}: ${(err as Error).message}`);
    }
    throw new CommsError('E_NOT_CONNECTED', `cannot connect to ${options.url} as ${options.clientId}: ${(err as Error).message}`, undefined, { cause: err });
  }
  // Errors after connecting (e.g. a refused reconnect) are reported by the owner; without a listener they would crash the process.
  client.on('error', () => {});
  return client;
}

/** Resolves when the connection is down (now or later): what is still unacknowledged will never be. */
export function brokerGone(client: MqttClient): Promise<void> {
  if (!client.connected) return Promise.resolve();
  return new Promise((resolve) => {
    client.once('offline', () => resolve());
    client.once('close', () => resolve());
  });
}

/**
 * Subscribe or fail whole: a refused filter (SUBACK 0x80) ends the connection and throws
 * E_NOT_AUTHORIZED naming it (E_REPLICAS_UNSUPPORTED for a shared inbox).
 */
export async function subscribeOrEnd(client: MqttClient, filters: string[], module: string): Promise<void> {
  let refused: string[];
  try {
    const granted = await client.subscribeAsync(Object.fromEntries(filters.map((f) => [f, { qos: 1 as const }])));
    refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
  } catch (err) {
    // mqtt.js rejects the whole subscribe when any filter got 0x80; the SUBACK says which, in filter order.
    const codes = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (!codes) throw err;
    refused = filters.filter((_, i) => codes[i] === 128);
  }
  if (refused.length === 0) return;
  await client.endAsync(true);
  if (sharedFilters(refused).length > 0) throw replicasUnsupported(module, sharedFilters(refused));
  throw new CommsError('E_NOT_AUTHORIZED', `broker refused ${module}'s subscriptions to ${refused.join(', ')}; check the actor's role in the ACL.`);
}
