import { EventEmitter } from 'node:events';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { createLogger, type Logger } from '../../logging/index.ts';
import {
  assertIdentifier,
  CommsError,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeEnvelope,
  newId,
  parseTopic,
  replicaClientId,
  SchemaRegistry,
  sharedInbox,
  Topics,
  topicMatches,
  type Envelope,
  type ModuleCard,
} from '../../protocol/index.ts';
import type { ActorEvents, ActorOptions, MessageListener } from './actor-options.ts';
import { brokerGone, openBusConnection, subscribeOrEnd } from './bus-connection.ts';
import type { Conversation } from './conversation.ts';
import { DEFAULT_LEASE_MS } from './lease.ts';
import { OpenConversations } from './open-conversations.ts';
import { announceOffline, announceOnline, buildCard, readPeerStatus, statusEnvelope, type PresenceIdentity } from './presence.ts';
import type { QueryHandler } from './query-handler.ts';
import { ReplyIntake } from './reply-intake.ts';
import { DEFAULT_REQUEST_OPTIONS, type RequestOptions } from './request-options.ts';
import { isFollowUp } from './replica.ts';
import { settleHeldBy } from './replica-loss.ts';
import { ReplicaPeers } from './replica-peers.ts';
import { Responder } from './responder.ts';
import { planSubscriptions } from './subscription-plan.ts';

export type { ActorEvents, ActorOptions, MessageListener } from './actor-options.ts';

/** mqtt.js copies its publish options: two shared objects instead of one per message. */
const RETAINED = { qos: 1, retain: true } as const;
const NOT_RETAINED = { qos: 1, retain: false } as const;

/**
 * A module on the bus: one MQTT connection, one retained card, one retained status (last will
 * `lost`), one inbox. It answers the queries registered with `handle()` and asks other modules
 * with `request()`/`ask()`, each request a Conversation with its own state machine.
 */
export class Actor extends EventEmitter<ActorEvents> {
  readonly name: string;
  readonly clientId: string;
  /** Changes every start, so watchers can tell a restart from a reconnect. */
  readonly sessionId = newId();
  readonly registry: SchemaRegistry;
  readonly log: Logger;
  /** This actor's reply topic; cancels and inputs for a replica's held requests come here too. */
  readonly replyTopic: string;
  /** The module's inbox topic, compared against every incoming topic before any parsing. */
  private readonly inboxTopic: string;
  private client: MqttClient | undefined;
  private readonly handlers = new Map<string, QueryHandler>();
  private readonly subscriptions: Array<{ filter: string; listener: MessageListener }> = [];
  /** The conversations this actor asked, as a requester. */
  private readonly conversations: OpenConversations;
  private readonly responder: Responder;
  private readonly replies: ReplyIntake;
  private readonly startedAt = new Date().toISOString();
  private heldFilters: readonly string[] = [];
  private readonly replicaPeers = new ReplicaPeers();

  constructor(private readonly options: ActorOptions) {
    super();
    this.name = assertIdentifier(options.name, 'module name');
    this.clientId = assertIdentifier(options.clientId ?? (options.replica === undefined ? options.name : replicaClientId(options.name, options.replica)), 'client id');
    this.replyTopic = Topics.replies(this.clientId);
    this.inboxTopic = Topics.moduleInbox(this.name);
    this.registry = new SchemaRegistry();
    for (const [id, schema] of Object.entries(options.schemas ?? {})) this.registry.register(id, schema);
    this.log = options.logger ?? createLogger(this.name);
    this.responder = new Responder({
      module: this.name,
      sessionId: this.sessionId,
      registry: this.registry,
      handlers: this.handlers,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      log: this.log,
      ...(this.isReplica ? { followUpTopic: this.replyTopic } : {}),
      publish: (topic, envelope) => this.publish(topic, envelope),
      ask: (to, schema, body, opts) => this.ask(to, schema, body, opts),
    });
    this.conversations = new OpenConversations({
      module: this.name,
      replyTopic: this.replyTopic,
      send: (topic, envelope, retain, done) => this.send(topic, envelope, retain, done),
    });
    this.replies = new ReplyIntake({
      module: this.name,
      sessionId: this.sessionId,
      replyTopic: this.replyTopic,
      registry: this.registry,
      maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      log: this.log,
      find: (requestId) => this.conversations.find(requestId),
      publish: (topic, envelope) => this.publish(topic, envelope),
    });
  }

  /** One of several replicas sharing the module's inbox (docs/scaling.md). */
  get isReplica(): boolean {
    return this.options.replica !== undefined;
  }

  /** The filters this actor's connection holds: disjoint, so the broker matches each message at most once. */
  get filters(): readonly string[] {
    return this.heldFilters;
  }

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  /** Register a query this module answers. Call before start() so the card lists it. */
  handle(handler: QueryHandler): this {
    this.handlers.set(handler.schema, handler);
    this.registry.register(handler.schema, handler.request);
    this.registry.register(handler.responseSchemaId, handler.response);
    return this;
  }

  /** Listen on another topic filter (the recorder listens on comms/v1/#). Call before start(). */
  subscribe(filter: string, listener: MessageListener): this {
    this.subscriptions.push({ filter, listener });
    return this;
  }

  card(): ModuleCard {
    return buildCard(this.identity, this.options, this.handlers.values());
  }

  /** Who this actor announces itself as, in its card and status. */
  private get identity(): PresenceIdentity {
    return { name: this.name, clientId: this.clientId, sessionId: this.sessionId, startedAt: this.startedAt };
  }

  async start(): Promise<this> {
    if (this.client) return this;
    // One filter per need, none overlapping (aedes loses messages otherwise): a catch-all such as the recorder's
    // comms/v1/# replaces the inbox, reply and status filters, and dispatch() routes those by topic.
    const inbox = this.isReplica ? sharedInbox(this.name) : Topics.moduleInbox(this.name);
    const filters = planSubscriptions([inbox, this.replyTopic, Topics.filters.allStatus, Topics.filters.allReplicaStatus, ...this.subscriptions.map((s) => s.filter)]);
    this.heldFilters = filters;
    const lostStatus = statusEnvelope(this.identity, 'lost');
    // A replica's will is its own: one lost replica must not mark the module lost while others serve it.
    const willTopic = this.isReplica ? Topics.replicaStatus(this.clientId) : Topics.moduleStatus(this.name);
    this.client = await openBusConnection({
      url: this.options.url,
      clientId: this.clientId,
      username: this.options.username,
      password: this.options.password,
      clean: !this.options.persistentSession,
      will: { topic: willTopic, payload: encodeEnvelope(lostStatus), qos: 1, retain: true },
      tls: this.options.tls,
      pipelined: this.options.pipelinedListeners ?? false,
      onMessage: (packet) =>
        this.dispatch(packet).catch((err: unknown) => {
          this.log.error({ err, topic: packet.topic }, 'message listener failed; not acknowledging, the broker will redeliver');
          throw err;
        }),
    });
    try {
      await subscribeOrEnd(this.client, filters, this.name);
    } catch (err) {
      this.client = undefined;
      throw err;
    }
    await this.announce();
    // A restarted broker forgot retained cards and statuses (aedes keeps them in memory): say them again on every reconnect.
    this.client.on('close', () => this.conversations.connectionChanged(false));
    this.client.on('connect', () => {
      this.conversations.connectionChanged(true);
      this.log.info('reconnected to the broker');
      void this.announce().catch((err: unknown) => this.log.warn({ err }, 'could not re-announce after reconnect'));
    });
    this.log.info({ url: this.options.url, clientId: this.clientId, queries: [...this.handlers.keys()] }, 'actor online');
    return this;
  }

  /** Say `offline`, cancel what is running, and disconnect. */
  async stop(): Promise<void> {
    const client = this.client;
    if (!client) return;
    // Requests being handled are answered E_SHUTTING_DOWN while the connection is still up.
    await this.responder.shutdown(`${this.name} is shutting down; send the request again when it is back online`);
    // cancel() settles synchronously; settled conversations (these and ones that just ended) are in `flushing` until
    // their last events have left, so wait for those before disconnecting.
    // A broker that went away (shut down under us) never acknowledges those events: stop waiting then,
    // or the process would hang in mqtt.js' reconnect loop.
    await Promise.race([this.conversations.cancelAll(`${this.name} is shutting down`), brokerGone(client)]);
    if (client.connected) await announceOffline(this.publishRetained, this.identity, this.isReplica, () => this.replicaPeers.anotherOnline(this.name, this.clientId)).catch(() => {});
    await client.endAsync(!client.connected);
    this.client = undefined;
  }

  /** Drop the connection without a goodbye, as a crash would: the broker publishes the last will. */
  async kill(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    (client.stream as { destroy?: () => void }).destroy?.();
    await client.endAsync(true);
  }

  /** Start a conversation with another module. Listen to the returned Conversation's events, await its `result`. */
  request<R = unknown>(to: string, schema: string, body: unknown, options: Partial<RequestOptions> = {}): Conversation<R> {
    assertIdentifier(to, 'module');
    if (!this.client) throw new CommsError('E_NOT_CONNECTED', `${this.name} is not started; call start() before request().`);
    const conversation = this.conversations.open<R>(to, schema, body, { ...DEFAULT_REQUEST_OPTIONS, ...this.options.requestDefaults, ...options });
    this.emit('conversation', conversation as unknown as Conversation);
    return conversation;
  }

  /** request() and wait for the reply body; rejects with a CommsError. */
  ask<R = unknown>(to: string, schema: string, body: unknown, options: Partial<RequestOptions> = {}): Promise<R> {
    return this.request<R>(to, schema, body, options).result;
  }

  /**
   * Every conversation publishes through here: no async wrappers, one promise per message (mqtt.js's). The payload
   * is a Buffer, not the JSON string: its bytes live outside the JS heap while mqtt.js holds them until the PUBACK.
   */
  publish(topic: string, envelope: Envelope, options?: { retain?: boolean }): Promise<void> {
    let payload: Buffer;
    try {
      payload = encodeEnvelope(envelope);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.publishRaw(topic, payload, options);
  }

  publishRaw(topic: string, payload: Buffer | string, options?: { retain?: boolean }): Promise<void> {
    if (!this.client) return Promise.reject(new CommsError('E_NOT_CONNECTED', `${this.name} is not connected; cannot publish to ${topic}.`));
    return this.client.publishAsync(topic, payload, options?.retain ? RETAINED : NOT_RETAINED) as Promise<unknown> as Promise<void>;
  }

  /** publish() for the conversations (ConversationTransport.send): `done` when settled, either way; no promise per message. */
  private send(topic: string, envelope: Envelope, retain: boolean, done: () => void): void {
    const client = this.client;
    let payload: Buffer;
    try {
      if (!client) throw new CommsError('E_NOT_CONNECTED', `${this.name} is not connected; cannot publish to ${topic}.`);
      payload = encodeEnvelope(envelope);
    } catch {
      return queueMicrotask(done);
    }
    // mqtt.js calls back with the PUBACK, or with the error that kept it from sending.
    client.publish(topic, payload, retain ? RETAINED : NOT_RETAINED, done);
  }

  private async dispatch(packet: IPublishPacket): Promise<void> {
    const topic = packet.topic;
    // mqtt.js's payload may be a view into a larger socket chunk: read in place here, copied only for listeners that may keep it.
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    // Requests and replies are told by plain string comparison; only other topics are parsed.
    const inbox = topic === this.inboxTopic;
    const replies = topic === this.replyTopic;
    // Requests and answers are never retained (the broker refuses it): a retained one would be replayed to every
    // restart, so it is nobody's current message. The recorder keeps it, marked rejected.
    if ((inbox || replies) && packet.retain) this.log.warn({ topic, bytes: payload.length }, 'retained message on an inbox or reply topic ignored');
    else if (inbox) this.responder.accept(topic, payload);
    // A replica's reply topic also takes cancels and inputs for the requests it holds (docs/scaling.md).
    else if (replies && this.isReplica && isFollowUp(payload, this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES)) this.responder.accept(topic, payload);
    else if (replies) this.replies.accept(payload);
    else {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'module-status') this.acceptPeerStatus(parsed.subject, payload);
      else if (parsed?.kind === 'replica-status') this.acceptReplicaStatus(parsed.subject, payload);
    }
    if (this.subscriptions.length === 0) return;
    const listeners = this.subscriptions.filter((l) => topicMatches(l.filter, topic));
    if (listeners.length === 0) return;
    const own = Buffer.from(payload);
    await Promise.all(listeners.map((l) => l.listener(topic, own, packet)));
  }

  private acceptPeerStatus(module: string, payload: Buffer): void {
    const status = readPeerStatus(module, payload, this.log);
    if (!status) return;
    const { state, clientId, sessionId } = status;
    this.emit('peer-status', module, state);
    // A requester that is gone cannot take a reply: stop its work here (children are canceled through the handlers' signals).
    if (state !== 'online') this.responder.abortFrom(module, Topics.replies(clientId), `requester ${module} went ${state}`);
    this.conversations.peerStatus(module, state === 'online', sessionId);
  }

  /** A replica that went away takes its requests' work (as requester) and its held requests (as responder) with it. */
  private acceptReplicaStatus(clientId: string, payload: Buffer): void {
    const status = this.replicaPeers.accept(clientId, payload, this.log);
    if (!status || status.state === 'online') return;
    const replyTopic = Topics.replies(clientId);
    this.responder.abortFrom(status.module, replyTopic, `requester replica ${clientId} went ${status.state}`);
    settleHeldBy(this.conversations.values(), replyTopic, clientId, status.state, this.name);
  }

  private announce(): Promise<void> {
    return announceOnline(this.publishRetained, this.identity, this.card(), this.isReplica);
  }

  private readonly publishRetained = (topic: string, envelope: Envelope): Promise<void> => this.publish(topic, envelope, { retain: true });
}
