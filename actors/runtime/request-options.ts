export interface RequestOptions {
  /** Overall time for the conversation; progress can extend it. Default 30 s. */
  timeoutMs: number;
  /** Time to wait for an acknowledgement before re-sending (doubling each attempt). Default 2 s. */
  ackTimeoutMs: number;
  /** Sends of the same request before `timed-out`. Default 4. */
  maxAttempts: number;
  /** How long a responder that went `lost` may take to come back. Default 10 s. */
  peerGraceMs: number;
  /**
   * Publish the conversation's lifecycle events and retained state snapshot only once it has been open
   * this long, reports progress or re-sends; a shorter one publishes just its final event. 0: from the
   * start. Default 1 s.
   */
  eventsAfterMs: number;
  /** The conversation or workflow that caused this one. */
  parentId?: string;
  /** Use this conversation id instead of a new one (workflows name their steps' conversations). */
  conversationId?: string;
  /** Re-runs allowed when the responder restarts after acknowledging an idempotent query (docs/reliability.md). Default none. */
  retry?: { attempts: number };
  /** Aborting cancels the conversation. */
  signal?: AbortSignal;
  /**
   * When the replica holding the request is lost, send it again (same id) to the module's other
   * replicas instead of failing with E_PEER_LOST. Only for idempotent queries (docs/scaling.md).
   */
  retryOnReplicaLoss?: boolean;
}

export const DEFAULT_REQUEST_OPTIONS: RequestOptions = {
  timeoutMs: 30_000,
  ackTimeoutMs: 2_000,
  maxAttempts: 4,
  peerGraceMs: 10_000,
  eventsAfterMs: 1_000,
};
