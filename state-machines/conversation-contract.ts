import type { ConversationStateName, ErrorReply, ProgressReport } from '../protocol/index.ts';

/*
 * What a ConversationMachine is given, what it is told and what it asks its owner to do
 * (conversation-machine.ts runs it).
 */

export interface ConversationInput {
  requestId: string;
  /** Absolute deadline, ms since epoch. Progress may extend it. */
  deadline: number;
  /** Time to wait for the responder's acknowledgement before re-sending (doubles each attempt). */
  ackTimeoutMs: number;
  maxAttempts: number;
  maxBackoffMs?: number;
  /** How long a responder that went `lost` has to come back before the conversation fails. */
  peerGraceMs: number;
  /** After this long from start, tell the owner its quiet period is over (ConversationEffects.quietOver); 0 or absent: never. */
  quietMs?: number;
}

/** `dueAt`: when the ack timer was meant to fire; `periodMs`: the period that just ran out. */
export interface AckOverdue {
  dueAt: number;
  periodMs: number;
}

export interface ConversationContext {
  deadline: number;
  attempts: number;
  percent: number;
  stage?: string;
  note?: string;
  inputPrompt?: string;
  error?: ErrorReply;
  result?: { schema: string; messageId: string; body: unknown };
}

export type ConversationMachineEvent =
  | { type: 'PROGRESS'; report: ProgressReport }
  | { type: 'REPLY'; schema: string; messageId: string; body: unknown }
  | { type: 'ERROR'; error: ErrorReply }
  | { type: 'CANCEL'; reason?: string }
  | { type: 'PROVIDE_INPUT'; input: unknown }
  | { type: 'PEER_LOST' }
  | { type: 'PEER_BACK' };

export type FinalConversationState = Extract<ConversationStateName, 'completed' | 'failed' | 'canceled' | 'rejected' | 'timed-out'>;

/** How the machine ends: the reply on `completed`, otherwise the error that ended it. */
export interface ConversationOutput {
  state: FinalConversationState;
  result?: { schema: string; messageId: string; body: unknown };
  error?: ErrorReply;
}

/** Side effects the machine asks for; the Conversation that runs it does the publishing. */
export interface ConversationEffects {
  /**
   * Asked when an acknowledgement is overdue: true while the responder is demonstrably still working
   * through earlier requests, so the conversation waits another period instead of re-sending (a re-send
   * would only queue a duplicate behind the original).
   */
  stillQueued(overdue: AckOverdue): boolean;
  sendRequest(attempt: number): void;
  sendCancel(reason?: string): void;
  sendInput(input: unknown): void;
  /** The ack is overdue but the responder is still busy with earlier requests: waiting another period, no re-send. */
  queued(): void;
  /** A progress report was applied (the state is already the new one). */
  progress(report: ProgressReport): void;
  /** The conversation has been open `quietMs` (ConversationInput): from now on its owner publishes every change. */
  quietOver(): void;
  /** The protocol state changed (called once per change, the final one included, before `done`). */
  changed(state: ConversationStateName): void;
  done(output: ConversationOutput): void;
}
