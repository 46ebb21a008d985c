import type { Actor } from '../actors/runtime/index.ts';
import { CommsError, decodeEnvelope, parseTopic, Topics, type ModuleStatus } from '../protocol/index.ts';

/** Upper bound on waiting for the retained statuses when our own status never echoes back. */
// Generous: a broker that echoes (aedes, mosquitto) ends the wait at once; only one that never does pays it.
const RETAINED_WAIT_MS = 10_000;

/**
 * A module not seen by our own echo may still be in the retained burst: aedes sends a subscription's
 * retained messages one per event-loop turn (each waits for its write), so with a few hundred statuses
 * our echo overtakes most of them (test/online-modules.test.ts). The burst is over once no status came
 * for this long; a module that appears before then is found.
 */
const BURST_QUIET_MS = 300;

/**
 * Who is on the bus, from the retained module statuses, for a client that is about to ask a module.
 *
 * End of the retained burst: the broker sends a subscription's retained messages right after its
 * SUBACK, and the actor publishes its own retained `online` status only after that SUBACK came back.
 * So our own status arriving on the status filter marks that the retained statuses before it have
 * been delivered (mosquitto queues them before anything published later; aedes streams them from
 * memory at once). A broker that never echoes it costs at most RETAINED_WAIT_MS.
 * Call watch() before actor.start().
 */
export class OnlineModules {
  private readonly states = new Map<string, ModuleStatus>();
  /** Called on every status message (waiting for a late one). */
  private readonly heard = new Set<() => void>();
  private sawSelf?: () => void;
  private readonly selfSeen = new Promise<void>((resolve) => (this.sawSelf = resolve));

  constructor(private readonly actor: Actor) {
    actor.subscribe(Topics.filters.allStatus, (topic, payload) => this.accept(topic, payload));
  }

  private accept(topic: string, payload: Buffer): void {
    const module = parseTopic(topic)?.subject;
    if (!module || payload.length === 0) return;
    try {
      const status = decodeEnvelope(payload, { schema: 'module.status@1' }).body as ModuleStatus;
      this.states.set(module, status);
      if (status.clientId === this.actor.clientId && status.state === 'online') this.sawSelf?.();
      for (const listener of this.heard) listener();
    } catch {
      // An unreadable status says nothing about presence; the recorder keeps it as invalid.
    }
  }

  /** Resolves once the retained statuses are in (see above). */
  async settled(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.selfSeen, new Promise<void>((resolve) => (timer = setTimeout(resolve, RETAINED_WAIT_MS)))]);
    clearTimeout(timer);
  }

  /** Names of the modules whose last status is `online`, ourselves excluded. */
  online(): string[] {
    return [...this.states.entries()].filter(([name, s]) => s.state === 'online' && name !== this.actor.name).map(([name]) => name).sort();
  }

  /** Resolves once `module` is online, or no status came for BURST_QUIET_MS (the retained burst is over). */
  private lateStatus(module: string): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout;
      const done = () => {
        clearTimeout(timer);
        this.heard.delete(listener);
        resolve();
      };
      const listener = () => {
        if (this.states.get(module)?.state === 'online') return done();
        timer.refresh();
      };
      timer = setTimeout(done, BURST_QUIET_MS);
      this.heard.add(listener);
    });
  }

  /** Throws E_NO_SUCH_MODULE unless `module` is online, naming the modules that are. */
  async require(module: string): Promise<void> {
    await this.settled();
    if (this.states.get(module)?.state !== 'online') await this.lateStatus(module);
    const status = this.states.get(module);
    if (status?.state === 'online') return;
    const online = this.online();
    const listing = online.length > 0 ? `online: ${online.join(', ')}` : 'no module is online';
    const what = status ? `module ${module} is ${status.state} (since ${status.at})` : `no module named ${module} on the bus`;
    throw new CommsError('E_NO_SUCH_MODULE', `${what}; ${listing}.`, {
      online,
      hint: status ? `start ${module} again (comms up starts marker and arangodb), then retry` : `ask one of: ${online.join(', ') || '(none; start `comms up`)'}`,
    });
  }
}
