/** What an Actor is configured with, the events it emits, and the shape of a subscribe() listener. */
import type { TSchema } from '@sinclair/typebox';
import type { IPublishPacket } from 'mqtt';
import type { Logger } from '../../logging/index.ts';
import type { ModuleCard, ModuleStatus } from '../../protocol/index.ts';
import type { BusConnectionOptions } from './bus-connection.ts';
import type { Conversation } from './conversation.ts';
import type { RequestOptions } from './request-options.ts';

export interface ActorOptions {
  /** Module id: the inbox, card and status topics are named after it. */
  name: string;
  /** Broker URL: the embedded broker or any MQTT 3.1.1 broker. */
  url: string;
  /** MQTT client id; replies come to comms/v1/replies/{clientId}. Default: the module name (`{name}-r{replica}` for a replica). */
  clientId?: string;
  /**
   * Run as replica number N (1, 2, ...) of the module: the inbox is a shared subscription, the last
   * will goes to the replica's own status (docs/scaling.md). Needs a broker with shared subscriptions (mosquitto).
   */
  replica?: number;
  username?: string;
  password?: string;
  /** Keep the broker session across reconnects (the recorder does, to lose nothing). */
  persistentSession?: boolean;
  version?: string;
  description?: string;
  backend?: ModuleCard['backend'];
  /** Extra body schemas this module understands (e.g. replies it receives), by schema id. */
  schemas?: Record<string, TSchema>;
  maxMessageBytes?: number;
  requestDefaults?: Partial<RequestOptions>;
  /** How often this module renews the lease of a request it works on (docs/reliability.md#leases). Default 2 s. */
  leaseMs?: number;
  tls?: BusConnectionOptions['tls'];
  logger?: Logger;
  /**
   * Let subscribe() listeners overlap: the next message is read while a listener's promise is
   * pending, and each PUBACK waits for its listener, in order (the recorder's group commit).
   */
  pipelinedListeners?: boolean;
}

/** Called for each message on a subscribed filter; the PUBACK waits for the returned promise (and so does the next message, unless `pipelinedListeners`). */
export type MessageListener = (topic: string, payload: Buffer, packet: IPublishPacket) => void | Promise<void>;

export interface ActorEvents {
  conversation: [Conversation];
  'peer-status': [string, ModuleStatus['state']];
}
