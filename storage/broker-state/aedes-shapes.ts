/** The aedes-side shapes the broker-state stores share: client/broker references and aedes' queued-packet class. */
import { createRequire } from 'node:module';
import type { StoredPacket } from './packet-codec.ts';

const require = createRequire(import.meta.url);

/** aedes' queued-packet shape (the copy every persistence stores), from the aedes-persistence package. */
export const { Packet } = require('aedes-persistence') as { Packet: new (original: StoredPacket, broker?: unknown) => StoredPacket };

/** Topic syntax for qlobber's tries. */
export const QLOBBER_OPTIONS = { wildcard_one: '+', wildcard_some: '#', separator: '/' };

export interface ClientRef {
  id: string;
  brokerId?: string;
}
export interface BrokerRef {
  id: string;
  /** aedes' connected clients by id (absent in the abstract suite's fake broker). */
  clients?: Record<string, unknown>;
}
