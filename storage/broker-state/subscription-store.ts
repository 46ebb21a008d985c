/**
 * Persistent-session subscriptions of the broker state: per client, and in a matching trie for
 * the QoS > 0 ones (as in aedes' memory persistence), written through to the `subscriptions` table.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { QLOBBER_OPTIONS } from './aedes-shapes.ts';

const require = createRequire(import.meta.url);

export interface SubscriptionOptions {
  qos: number;
  rh?: number;
  rap?: number;
  nl?: number;
  subscriptionIdentifier?: number;
}
export interface SubscriptionMatch extends SubscriptionOptions {
  clientId: string;
  topic: string;
}

/** qlobber's aedes trie (no type declarations ship with it): topic filter -> { clientId, topic, qos... }. */
interface SubscriptionTrie {
  add(topic: string, value: SubscriptionMatch): void;
  remove(topic: string, value: { clientId: string; topic: string }): void;
  match(topic: string): SubscriptionMatch[];
  subscriptionsCount: number;
}
const QlobberSub = require('qlobber/aedes/qlobber-sub') as new (options: object) => SubscriptionTrie;

export class SubscriptionStore {
  private readonly subscriptions = new Map<string, Map<string, SubscriptionOptions>>();
  private readonly trie = new QlobberSub(QLOBBER_OPTIONS);
  private clientsCount = 0;
  private readonly sql;

  constructor(private readonly db: Database) {
    this.sql = {
      put: db.prepare('INSERT OR REPLACE INTO subscriptions (client_id, topic, options) VALUES (?, ?, ?)'),
      del: db.prepare('DELETE FROM subscriptions WHERE client_id = ? AND topic = ?'),
      delClient: db.prepare('DELETE FROM subscriptions WHERE client_id = ?'),
    };
    for (const row of db.prepare('SELECT client_id, topic, options FROM subscriptions').all() as Array<{ client_id: string; topic: string; options: string }>) {
      this.remember(row.client_id, row.topic, JSON.parse(row.options) as SubscriptionOptions);
    }
  }

  add(clientId: string, subs: Array<SubscriptionOptions & { topic: string }>): void {
    this.db.transaction(() => {
      for (const sub of subs) this.sql.put.run(clientId, sub.topic, JSON.stringify(optionsOf(sub)));
    })();
    for (const sub of subs) this.remember(clientId, sub.topic, optionsOf(sub));
  }

  private remember(clientId: string, topic: string, options: SubscriptionOptions): void {
    let stored = this.subscriptions.get(clientId);
    if (!stored) {
      stored = new Map();
      this.subscriptions.set(clientId, stored);
      this.clientsCount++;
    }
    const previous = stored.get(topic);
    // Only QoS > 0 subscriptions get queued messages, so only they go in the matching trie (as in aedes' memory persistence).
    if (options.qos > 0) this.trie.add(topic, { clientId, topic, qos: options.qos, rh: options.rh, rap: options.rap, nl: options.nl });
    else if (previous && previous.qos > 0) this.trie.remove(topic, { clientId, topic });
    stored.set(topic, options);
  }

  remove(clientId: string, topics: string[]): void {
    const stored = this.subscriptions.get(clientId);
    if (!stored) return;
    this.db.transaction(() => {
      for (const topic of topics) this.sql.del.run(clientId, topic);
    })();
    for (const topic of topics) {
      const options = stored.get(topic);
      if (options === undefined) continue;
      if (options.qos > 0) this.trie.remove(topic, { clientId, topic });
      stored.delete(topic);
    }
    if (stored.size === 0) {
      this.clientsCount--;
      this.subscriptions.delete(clientId);
    }
  }

  byClient(clientId: string): Array<SubscriptionOptions & { topic: string }> {
    return [...(this.subscriptions.get(clientId) ?? new Map<string, SubscriptionOptions>())].map(([topic, options]) => ({ topic, ...options }));
  }

  count(): { subsCount: number; clientsCount: number } {
    return { subsCount: this.trie.subscriptionsCount, clientsCount: this.clientsCount };
  }

  /** The QoS > 0 subscriptions matching `topic`: the persistent sessions a message is queued for. */
  byTopic(topic: string): SubscriptionMatch[] {
    return this.trie.match(topic);
  }

  clean(clientId: string): void {
    const stored = this.subscriptions.get(clientId);
    if (!stored) return;
    this.sql.delClient.run(clientId);
    for (const [topic, options] of stored) if (options.qos > 0) this.trie.remove(topic, { clientId, topic });
    this.clientsCount--;
    this.subscriptions.delete(clientId);
  }

  clientList(topic: string): Readable {
    return Readable.from([...this.subscriptions].filter(([, topics]) => topics.has(topic)).map(([clientId]) => clientId));
  }
}

function optionsOf(sub: SubscriptionOptions): SubscriptionOptions {
  const options: SubscriptionOptions = { qos: sub.qos, rh: sub.rh, rap: sub.rap, nl: sub.nl };
  if (sub.subscriptionIdentifier !== undefined) options.subscriptionIdentifier = sub.subscriptionIdentifier;
  return options;
}
