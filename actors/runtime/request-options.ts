export interface RequestOptions {
  /** Overall time for the conversation; progress can extend it. Default 30 s. */
  timeoutMs: number;
  /** Time to wait for an acknowledgement before re-sending (doubling each attempt). Default 2 s. */
  ackTimeoutMs: number;
  /** Sends of the same request before `timed-out`. Default 4. */
  maxAttempts: number;
  /** How long a responder that went `lost` may take to come back. Default 10 s. */
  peerGraceMs: number;
  /** The conversation or workflow that caused this one. */
  parentId?: string;
  /** Use this conversation id instead of a new one (workflows name their steps' conversations). */
  conversationId?: string;
  /** Re-runs allowed when the responder restarts after acknowledging an idempotent query (docs/reliability.md). Default none. */
  retry?: { attempts: number };
  /** Aborting cancels the conversation. */
  signal?: AbortSignal;
}

export const DEFAULT_REQUEST_OPTIONS: RequestOptions = {
  timeoutMs: 30_000,
  ackTimeoutMs: 2_000,
  maxAttempts: 4,
  peerGraceMs: 10_000,
};
