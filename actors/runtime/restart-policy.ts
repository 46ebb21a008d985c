/**
 * What a requester does when a responder that went `lost` comes back (docs/reliability.md#idempotent-queries-and-attempts).
 * The same session back (a reconnect) still has the request in its dedupe cache: re-sending is safe. A new
 * session (a restart) lost the running handler: re-sending runs it again, which only an idempotent query
 * allows, and only `retry.attempts` times.
 */
import type { ErrorReply } from '../../protocol/index.ts';

export interface RestartFacts {
  /** What the acknowledgement said, or undefined when the request was never acknowledged (never started). */
  ack: { idempotent: boolean } | undefined;
  /** The responder's session before and after; different means it restarted. */
  lostSession: string | undefined;
  backSession: string | undefined;
  /** Re-runs already caused by restarts in this conversation, and how many are allowed. */
  reruns: number;
  allowedReruns: number;
  responder: string;
  query: string;
}

export type RestartVerdict = { resend: true; rerun: boolean } | { resend: false; error: ErrorReply };

export function restartVerdict(facts: RestartFacts): RestartVerdict {
  const restarted = facts.lostSession !== undefined && facts.backSession !== undefined && facts.lostSession !== facts.backSession;
  if (!restarted || !facts.ack) return { resend: true, rerun: false };
  if (!facts.ack.idempotent) {
    return {
      resend: false,
      error: {
        code: 'E_PEER_RESTARTED',
        message: `${facts.responder} restarted after acknowledging ${facts.query}, which is not idempotent, so it was not re-run. Check whether the work happened (comms events), then send it again if running it twice is safe.`,
      },
    };
  }
  if (facts.reruns >= facts.allowedReruns) {
    return {
      resend: false,
      error: {
        code: 'E_PEER_RESTARTED',
        message:
          facts.allowedReruns === 0
            ? `${facts.responder} restarted after acknowledging ${facts.query}; it is idempotent but re-running is opt-in, so it was not re-run. Ask with retry: { attempts: N } (comms ask --retry N) to re-send it after a restart.`
            : `${facts.responder} restarted after acknowledging ${facts.query}; it was re-run ${facts.reruns} time(s), the most retry.attempts (${facts.allowedReruns}) allows. Send it again or raise retry.attempts.`,
      },
    };
  }
  return { resend: true, rerun: true };
}
