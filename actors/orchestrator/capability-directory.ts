import { EventEmitter } from 'node:events';
import type { Logger } from '../../logging/index.ts';
import { CommsError, decodeEnvelope, parseTopic, type ModuleCard } from '../../protocol/index.ts';

export interface CapabilityDirectoryOptions {
  /** The orchestrator's own module name: its card is never a step's target. */
  self: string;
  /** How long resolve() waits for a card offering the capability. */
  waitMs: number;
  log: Logger;
}

/**
 * Which module offers a capability (a query schema id), from the retained module cards and the
 * modules' presence. A step whose capability nobody offers yet waits for a card to arrive.
 */
export class CapabilityDirectory {
  private readonly cards = new Map<string, ModuleCard>();
  private readonly presence = new Map<string, string>();
  private readonly cardArrived = new EventEmitter();
  /** Pending resolve() calls: ended by close(), so no timer or listener outlives the orchestrator. */
  private readonly waits = new Set<() => void>();
  private closed = false;

  constructor(private readonly options: CapabilityDirectoryOptions) {
    this.cardArrived.setMaxListeners(0);
  }

  /** A message on a module card topic; an empty payload clears the card. */
  acceptCard(topic: string, payload: Buffer): void {
    const module = parseTopic(topic)?.subject;
    if (!module) return;
    if (payload.length === 0) {
      this.cards.delete(module);
      return;
    }
    try {
      this.cards.set(module, decodeEnvelope(payload, { schema: 'module.card@1' }).body as ModuleCard);
      this.cardArrived.emit('change');
    } catch (err) {
      this.options.log.warn({ err, topic }, 'unreadable module card');
    }
  }

  peerStatus(module: string, state: string): void {
    this.presence.set(module, state);
    this.cardArrived.emit('change');
  }

  /** The module for a capability: one whose retained card lists it, preferring modules online. */
  resolve(capability: string): Promise<string> {
    const now = this.pick(capability);
    if (now) return Promise.resolve(now);
    if (this.closed) return Promise.reject(stopping());
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.pick(capability);
        if (!found) return;
        done();
        resolve(found);
      };
      const timer = setTimeout(() => {
        done();
        reject(new CommsError('E_NOT_FOUND', `no module online offers ${capability}; start one whose card lists it, or name the module in the step`, { capability }));
      }, this.options.waitMs);
      const done = () => {
        clearTimeout(timer);
        this.cardArrived.off('change', check);
        this.waits.delete(end);
      };
      const end = () => {
        done();
        reject(stopping());
      };
      this.waits.add(end);
      this.cardArrived.on('change', check);
    });
  }

  /** End every wait with E_CANCELED; later resolve() calls that would wait fail at once. */
  close(): void {
    this.closed = true;
    for (const end of [...this.waits]) end();
  }

  private pick(capability: string): string | undefined {
    const offering = [...this.cards.values()]
      .filter((card) => card.name !== this.options.self && card.queries.some((q) => q.schema === capability))
      .filter((card) => !['offline', 'lost'].includes(this.presence.get(card.name) ?? 'online'))
      .map((card) => card.name)
      .sort();
    return offering[0];
  }
}

function stopping(): CommsError {
  return new CommsError('E_CANCELED', 'the orchestrator is stopping');
}
