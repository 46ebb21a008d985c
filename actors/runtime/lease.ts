/**
 * Leases for long work (docs/reliability.md#leases). A responder that acknowledges a request
 * declares `leaseMs` in its `accepted` progress and renews the lease on the requester's reply topic
 * while the handler runs; the requester fails the conversation with E_LEASE_EXPIRED when no renewal
 * came for LEASE_MISSES intervals. So a frozen responder (SIGSTOP, a blocked event loop, a cut
 * network) is found in seconds, where its last will would never fire and the deadline is far away.
 */
import type { ProgressReport } from '../../protocol/index.ts';

/** Default renewal interval of a responder; an Actor can change it (ActorOptions.leaseMs). */
export const DEFAULT_LEASE_MS = 2_000;
/**
 * Renewals a requester lets pass before it probes (re-sends the request under the same id: a live
 * responder answers from its dedupe cache, re-sending a reply that was lost or re-acknowledging),
 * and before it gives up. One lost or late renewal, or a reply lost in a broker outage, is not a frozen peer.
 */
export const LEASE_PROBE_AFTER = 2;
export const LEASE_MISSES = 4;
/** The stage of a renewal: the requester takes it as a heartbeat, not as a progress step. */
export const LEASE_RENEWAL_STAGE = 'lease-renewed';

/** A renewal carries the lease and nothing a progress bar would show. */
export function isLeaseRenewal(report: ProgressReport): report is ProgressReport & { leaseMs: number } {
  return report.stage === LEASE_RENEWAL_STAGE && report.leaseMs !== undefined;
}

/** Responder side: call `renew` every `leaseMs` until the returned stop function is called. */
export function renewWhileRunning(leaseMs: number, renew: () => void): () => void {
  const timer = setInterval(renew, leaseMs);
  // A lease never keeps a process alive on its own.
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Requester side: expires LEASE_MISSES lease intervals after the last renewal. Paused while the
 * peer is known to be gone (its will arrived: the peer-loss grace applies instead).
 */
export class LeaseWatch {
  private timer: NodeJS.Timeout | undefined;
  /** The lease of the running timer, kept while held so it can be armed again. */
  private leaseMs: number | undefined;

  constructor(private readonly hooks: { probe: () => void; expire: (leaseMs: number) => void }) {}

  renew(leaseMs: number): void {
    this.hold();
    this.leaseMs = leaseMs;
    this.arm(leaseMs * LEASE_PROBE_AFTER, () => {
      this.hooks.probe();
      this.arm(leaseMs * (LEASE_MISSES - LEASE_PROBE_AFTER), () => this.hooks.expire(leaseMs));
    });
  }

  /**
   * Our own connection is down: renewals cannot reach us, which says nothing about the responder.
   * `resume()` gives it a whole lease again once we are back.
   */
  hold(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  resume(): void {
    if (this.leaseMs !== undefined && this.timer === undefined) this.renew(this.leaseMs);
  }

  /** The lease no longer applies (the conversation ended, or the responder's will arrived). */
  stop(): void {
    this.hold();
    this.leaseMs = undefined;
  }

  /**
   * Timers run before socket reads in Node's loop: after this process was itself busy, renewals may
   * be waiting unread. setImmediate runs after the next poll phase, so they count before we act.
   */
  private arm(ms: number, act: () => void): void {
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (this.timer !== timer) return;
        this.timer = undefined;
        act();
      });
    }, ms);
    timer.unref();
    this.timer = timer;
  }
}
