import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { Aedes, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { AccessPolicy, Principal } from './access-policy.ts';
import { SqliteBrokerPersistence } from '../storage/broker-state/index.ts';
import { guardPacketSize } from './packet-size-guard.ts';
import { topicFilterProblem, topicNameProblem } from './topic-rules.ts';
import { PublishGroup, type PublishTap, type TappedPublish } from './publish-tap.ts';
import { batchWholeBusDeliveries, DEFAULT_DELIVERY_BATCHING, type DeliveryBatching } from './delivery-batching.ts';
import { Topics } from '../protocol/index.ts';

export interface BrokerOptions {
  host?: string;
  /** TCP port; 0 picks a free one. Default 1883. */
  port?: number;
  /** MQTT-over-WebSocket port; undefined disables it, 0 picks a free one. */
  wsPort?: number;
  /** MQTTS; both PEM strings or buffers. */
  tls?: { port: number; key: string | Buffer; cert: string | Buffer };
  /** Largest MQTT packet accepted, in bytes. Default 16 MiB + headers. */
  maxPacketBytes?: number;
  /** Disconnect a subscriber whose socket does not drain in this time, so it cannot stall everyone. */
  drainTimeoutMs?: number;
  /** Who may connect, publish, subscribe. Undefined: open broker. */
  access?: AccessPolicy;
  /** Called for refused connections, publishes and subscriptions; defaults to nothing. */
  onDenied?: (what: string) => void;
  /**
   * SQLite file for the broker's state (persistent sessions, their queued QoS 1 messages, retained
   * messages, wills), so that a PUBACK survives a broker crash. Undefined: in memory (lost on exit).
   */
  statePath?: string;
  /**
   * Deliveries to a subscriber of the whole bus (`comms/v1/#`, the recorder) wait up to `windowMs` to
   * leave in one write (broker/delivery-batching.ts). Default 20 ms / 64 KiB; false sends each at once.
   */
  deliveryBatching?: DeliveryBatching | false;
}

export interface EmbeddedBroker {
  readonly aedes: Aedes;
  /** mqtt://host:port */
  readonly url: string;
  readonly wsUrl?: string;
  readonly tlsUrl?: string;
  /**
   * Records every accepted publish in this process before its PUBACK (the recorder's publish-path
   * design, docs/architecture.md); undefined detaches. Publishes are handed over in groups.
   */
  tap(tap: PublishTap | undefined): void;
  /** The retained messages matching these filters, as stored now. */
  retained(filters: string[]): Promise<TappedPublish[]>;
  close(): Promise<void>;
}

const DEFAULT_MAX_PACKET = 16 * 1024 * 1024 + 64 * 1024;
const principals = new WeakMap<Client, Principal>();
/** Wills seen in preConnect, checked in authenticate once the principal is known. */
const pendingWills = new WeakMap<Client, { topic: string; payload: Buffer | string; retain: boolean }>();
/**
 * Client ids refused in preConnect, answered in authenticate: only a refusal from authenticate
 * reaches the client as a CONNACK return code (a preConnect error just closes the socket).
 */
const rejectedIdentifiers = new WeakMap<Client, string>();

function toBuffer(payload: Buffer | string | Uint8Array): Buffer {
  return Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Start aedes on TCP (and optionally WebSocket and TLS), with the checks aedes 1.x leaves out (docs/architecture.md, Components: the broker). */
export async function startBroker(options: BrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET;
  const denied = options.onDenied ?? (() => {});
  const persistence = options.statePath ? new SqliteBrokerPersistence(options.statePath) : undefined;
  const aedes = await Aedes.createBroker({
    drainTimeout: options.drainTimeoutMs ?? 10_000,
    ...(persistence
      ? {
          persistence,
          // Wills left by a crashed broker are published by the next one at 4 heartbeats (default 4 min): a client
          // that died while the broker was down is reported lost within 20 s instead.
          heartbeatInterval: 5_000,
        }
      : {}),
  });
  installRules(aedes, options.access, denied);
  if (options.deliveryBatching !== false) batchWholeBusDeliveries(aedes, Topics.all, options.deliveryBatching ?? DEFAULT_DELIVERY_BATCHING);
  const group = new PublishGroup();
  // aedes PUBACKs a QoS 1 PUBLISH right after authorizePublish calls back: recording and persisting happen there.
  const authorize = aedes.authorizePublish;
  aedes.authorizePublish = (client, packet, done) =>
    authorize(client, packet, (err) => {
      if (err) return done(err);
      const persist = (failure: Error | null) => {
        if (failure || !persistence || !client || packet.qos !== 1) return done(failure);
        try {
          persistence.persistBeforeAck(packet as unknown as Parameters<typeof persistence.persistBeforeAck>[0]);
        } catch (problem) {
          // Not durable, so not acknowledged: the client is disconnected and resends.
          return done(problem as Error);
        }
        done(null);
      };
      if (!group.active) return persist(null);
      group.add({ topic: packet.topic, payload: toBuffer(packet.payload), retained: packet.retain === true }, persist);
    });

  const onSocket = (socket: Socket) => {
    socket.setNoDelay(true);
    guardPacketSize(socket, maxPacketBytes, (n) => denied(`packet of ${n} bytes from ${socket.remoteAddress} exceeds ${maxPacketBytes}`));
    aedes.handle(socket);
  };
  const servers: Array<NetServer | HttpServer | TlsServer> = [];
  const closers: Array<() => void> = [];

  const tcp = createNetServer(onSocket);
  servers.push(tcp);
  const tcpPort = await listen(tcp, options.port ?? 1883, host);

  let wsUrl: string | undefined;
  if (options.wsPort !== undefined) {
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http, maxPayload: maxPacketBytes });
    wss.on('connection', (socket, req) => {
      (req.socket as Socket).setNoDelay(true);
      aedes.handle(createWebSocketStream(socket), req);
    });
    closers.push(() => wss.close());
    servers.push(http);
    wsUrl = `ws://${host}:${await listen(http, options.wsPort, host)}`;
  }

  let tlsUrl: string | undefined;
  if (options.tls) {
    const tls = createTlsServer({ key: options.tls.key, cert: options.tls.cert }, (socket) => onSocket(socket));
    servers.push(tls);
    tlsUrl = `mqtts://${host}:${await listen(tls, options.tls.port, host)}`;
  }

  return {
    aedes,
    url: `mqtt://${host}:${tcpPort}`,
    wsUrl,
    tlsUrl,
    tap: (tap) => group.setTap(tap),
    async retained(filters) {
      const found: TappedPublish[] = [];
      // aedes' own persistence (memory or SQLite); its type is not exported by aedes 1.x.
      const store = (aedes as unknown as { persistence: { createRetainedStreamCombi(p: string[]): AsyncIterable<{ topic: string; payload: Buffer | string }> } }).persistence;
      for await (const packet of store.createRetainedStreamCombi(filters)) {
        found.push({ topic: packet.topic, payload: toBuffer(packet.payload), retained: true });
      }
      return found;
    },
    async close() {
      for (const close of closers) close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await Promise.all(servers.map((s) => closeServer(s)));
      await persistence?.destroy();
    },
  };
}

function installRules(aedes: Aedes, access: AccessPolicy | undefined, denied: (what: string) => void): void {
  aedes.authenticate = (client, username, password, done) => {
    type AuthError = Parameters<typeof done>[0];
    const refuse = (returnCode: 2 | 3 | 4 | 5, message: string) => done(Object.assign(new Error(message), { returnCode }) as AuthError, false);
    const identifierProblem = rejectedIdentifiers.get(client);
    if (identifierProblem !== undefined) return refuse(2, identifierProblem);
    if (!access) return done(null, true);
    access.authenticate(username, password, client.id).then(
      (principal) => {
        if (!principal) {
          denied(`client ${client.id}: bad username or password`);
          return refuse(4, 'bad username or password');
        }
        // The will is published later on the client's behalf: check it now, as a publish by this principal.
        const will = pendingWills.get(client);
        pendingWills.delete(client);
        if (will && !access.canPublish(principal, will.topic, client.id, toBuffer(will.payload), will.retain)) {
          denied(`client ${client.id}: last will on ${will.topic} not allowed for its role`);
          return refuse(5, `not authorized to set a last will on ${will.topic}`);
        }
        principals.set(client, principal);
        done(null, true);
      },
      (err: unknown) => {
        // A policy says "known user, but not like this" (e.g. a client id that is not theirs) with E_NOT_AUTHORIZED.
        const code = (err as { code?: unknown }).code;
        const message = err instanceof Error ? err.message : String(err);
        denied(`client ${client.id}: ${message}`);
        refuse(code === 'E_NOT_AUTHORIZED' ? 5 : code === 'E_AUTH_FAILED' ? 4 : 3, message);
      },
    );
  };

  aedes.authorizePublish = (client, packet, done) => {
    const problem = packet.topic.startsWith('$SYS/') ? '$SYS/ topics are reserved' : topicNameProblem(packet.topic);
    if (problem) {
      denied(`publish by ${client?.id ?? 'broker'} to ${JSON.stringify(packet.topic)}: ${problem}`);
      return done(new Error(problem));
    }
    // client is null only for wills published on behalf of a gone client; those were checked when the will was set.
    if (access && client) {
      const principal = principals.get(client);
      if (!principal || !access.canPublish(principal, packet.topic, client.id, toBuffer(packet.payload), packet.retain)) {
        denied(`publish by ${client.id} to ${packet.topic}: not allowed for its role`);
        return done(new Error(`not authorized to publish to ${packet.topic}`));
      }
    }
    done(null);
  };

  aedes.authorizeSubscribe = (client, subscription, done) => {
    const problem = topicFilterProblem(subscription.topic);
    const principal = principals.get(client);
    const allowed = !access || (principal !== undefined && access.canSubscribe(principal, subscription.topic, client.id));
    if (problem || !allowed) {
      denied(`subscribe by ${client.id} to ${JSON.stringify(subscription.topic)}: ${problem ?? 'not allowed for its role'}`);
      // A denied subscription answers SUBACK 0x80; an error here would disconnect and mqtt.js would reconnect in a loop.
      return done(null, null);
    }
    done(null, subscription);
  };

  aedes.preConnect = (client, packet, done) => {
    // aedes answers other protocol levels with CONNACK 1 itself; say here what the client should do.
    if (packet.protocolVersion !== 4 && packet.protocolVersion !== 3) denied(protocolLevelRefusal(packet.protocolVersion));
    const problem = clientIdProblem(packet.clientId ?? '', packet.clean !== false);
    if (problem) {
      denied(`connect with client id ${JSON.stringify(packet.clientId ?? '')} refused with CONNACK 2: ${problem}`);
      rejectedIdentifiers.set(client, problem);
    }
    if (access && packet.will) {
      // A last will is published later on the client's behalf: its topic must be valid now, and
      // authenticate() checks it against the principal's publish rights.
      const willTopic = packet.will.topic;
      if (topicNameProblem(willTopic) || willTopic.startsWith('$SYS/')) return done(new Error('invalid will topic'), false);
      pendingWills.set(client, { topic: willTopic, payload: packet.will.payload, retain: packet.will.retain === true });
    }
    done(null, true);
  };
}

/** Why a client id is refused with CONNACK 2 (identifier rejected), or undefined. */
function clientIdProblem(id: string, cleanSession: boolean): string | undefined {
  if (id.includes('\u0000') || id.includes('\uFFFD')) return 'the client id contains U+0000 or invalid UTF-8';
  // [MQTT-3.1.3-8]: a zero-byte client id is only allowed with clean session 1.
  if (id === '' && !cleanSession) return 'an empty client id needs clean session 1 (MQTT 3.1.1, 3.1.3-8); set a client id to keep a session';
  return undefined;
}

/** The log line for a CONNECT at a protocol level this broker does not speak (aedes sends CONNACK 1). */
function protocolLevelRefusal(level: number | undefined): string {
  const name = level === 5 ? 'MQTT 5' : `protocol level ${String(level)}`;
  return `connect with ${name} refused with CONNACK 1 (unacceptable protocol version): this broker speaks MQTT 3.1.1 (protocol level 4); connect with protocol version 4, e.g. mqtt.js { protocolVersion: 4 }, mosquitto_sub/mosquitto_pub -V mqttv311`;
}

function listen(server: NetServer | HttpServer | TlsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: NetServer | HttpServer | TlsServer): Promise<void> {
  return new Promise((resolve) => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close(() => resolve());
  });
}
