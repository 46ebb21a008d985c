import { assign, emit, setup, type SnapshotFrom } from 'xstate';
import type { ConversationStateName, ErrorReply, ProgressReport } from '../protocol/index.ts';

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
}

export interface ConversationContext extends Required<ConversationInput> {
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

/** The machine's `output` once it ends: the reply on `completed`, otherwise the error that ended it. */
export interface ConversationOutput {
  state: FinalConversationState;
  result?: { schema: string; messageId: string; body: unknown };
  error?: ErrorReply;
}

/** Side effects the machine asks for; the Conversation that runs it does the publishing. */
export type ConversationEffect =
  | { type: 'send-request'; attempt: number }
  | { type: 'send-cancel'; reason?: string }
  | { type: 'send-input'; input: unknown }
  | { type: 'progress'; report: ProgressReport };

/**
 * One request's lifecycle on the requester side (docs/protocol.md):
 * submitted -> working -> (input-required -> working)* -> completed | failed | canceled | rejected | timed-out.
 * An error before the responder acknowledged is a rejection (the work never started); after, a failure.
 * The machine is pure: sending is an emitted effect, time is XState's clock.
 */
export const ConversationMachine = setup({
  types: {
    input: {} as ConversationInput,
    context: {} as ConversationContext,
    events: {} as ConversationMachineEvent,
    emitted: {} as ConversationEffect,
    output: {} as ConversationOutput,
  },
  delays: {
    ackTimeout: ({ context }) => Math.min(context.ackTimeoutMs * 2 ** Math.max(0, context.attempts - 1), context.maxBackoffMs),
    untilDeadline: ({ context }) => Math.max(0, context.deadline - Date.now()),
    peerGrace: ({ context }) => context.peerGraceMs,
  },
  guards: {
    canRetry: ({ context }) => context.attempts < context.maxAttempts,
    extendsDeadline: ({ event }) => event.type === 'PROGRESS' && event.report.extendDeadline !== undefined,
    asksForInput: ({ event }) => event.type === 'PROGRESS' && event.report.inputRequired !== undefined,
  },
  actions: {
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    emitSendRequest: emit(({ context }) => ({ type: 'send-request' as const, attempt: context.attempts })),
    applyProgress: assign(({ context, event }) => {
        if (event.type !== 'PROGRESS') return {};
        const { report } = event;
        const extended = report.extendDeadline ? Date.parse(report.extendDeadline) : NaN;
        return {
          // Progress only moves forward: a late or re-ordered report cannot move the bar back.
          percent: Math.max(context.percent, report.percent ?? context.percent),
          stage: report.stage ?? context.stage,
          note: report.note ?? context.note,
          inputPrompt: report.inputRequired?.prompt,
          deadline: Number.isNaN(extended) ? context.deadline : Math.max(context.deadline, extended),
        };
      }),
    emitProgress: emit(({ event }) => ({ type: 'progress' as const, report: event.type === 'PROGRESS' ? event.report : {} })),
    recordResult: assign({
      result: ({ event }) => (event.type === 'REPLY' ? { schema: event.schema, messageId: event.messageId, body: event.body } : undefined),
      percent: 100,
    }),
    recordError: assign({ error: ({ event }) => (event.type === 'ERROR' ? event.error : undefined) }),
    recordCancel: assign({
      error: ({ event }) => ({ code: 'E_CANCELED' as const, message: event.type === 'CANCEL' && event.reason ? `canceled: ${event.reason}` : 'canceled by the requester' }),
    }),
    emitCancel: emit(({ event }) => ({ type: 'send-cancel' as const, reason: event.type === 'CANCEL' ? event.reason : undefined })),
    sendInput: emit(({ event }) => ({ type: 'send-input' as const, input: event.type === 'PROVIDE_INPUT' ? event.input : undefined })),
    recordTimeout: assign({
      error: ({ context }) => ({
        code: 'E_TIMEOUT' as const,
        message: context.percent > 0 || context.stage ? `no reply before the deadline (last stage: ${context.stage ?? 'unknown'}, ${context.percent}%)` : `no acknowledgement after ${context.attempts} attempt(s)`,
      }),
    }),
    recordPeerLost: assign({
      error: ({ context }) => ({ code: 'E_PEER_LOST' as const, message: `the responder went offline and did not come back within ${context.peerGraceMs} ms` }),
    }),
  },
}).createMachine({
  id: 'conversation',
  context: ({ input }) => ({ maxBackoffMs: 30_000, ...input, attempts: 0, percent: 0 }),
  initial: 'open',
  states: {
    open: {
      initial: 'submitted',
      after: { untilDeadline: { target: 'timedOut', actions: 'recordTimeout' } },
      on: {
        REPLY: { target: 'completed', actions: 'recordResult' },
        CANCEL: { target: 'canceled', actions: ['recordCancel', 'emitCancel'] },
        PEER_LOST: { target: '.peerLost' },
        PROGRESS: [
          { guard: 'asksForInput', target: '.inputRequired', actions: ['applyProgress', 'emitProgress'] },
          // Re-entering `open` restarts the deadline timer with the extended deadline.
          { guard: 'extendsDeadline', target: '.working', reenter: true, actions: ['applyProgress', 'emitProgress'] },
          { target: '.working', actions: ['applyProgress', 'emitProgress'] },
        ],
      },
      states: {
        submitted: {
          entry: ['countAttempt', 'emitSendRequest'],
          after: {
            ackTimeout: [
              { guard: 'canRetry', target: 'submitted', reenter: true },
              { target: '#conversation.timedOut', actions: 'recordTimeout' },
            ],
          },
          on: { ERROR: { target: '#conversation.rejected', actions: 'recordError' } },
        },
        working: {
          on: { ERROR: { target: '#conversation.failed', actions: 'recordError' } },
        },
        inputRequired: {
          on: {
            PROVIDE_INPUT: { target: 'working', actions: 'sendInput' },
            ERROR: { target: '#conversation.failed', actions: 'recordError' },
          },
        },
        peerLost: {
          after: { peerGrace: { target: '#conversation.failed', actions: 'recordPeerLost' } },
          on: {
            // The responder restarted: send the same request again; it de-duplicates or starts over.
            PEER_BACK: { target: 'submitted' },
            ERROR: { target: '#conversation.failed', actions: 'recordError' },
          },
        },
      },
    },
    completed: { type: 'final', output: { state: 'completed' } },
    failed: { type: 'final', output: { state: 'failed' } },
    canceled: { type: 'final', output: { state: 'canceled' } },
    rejected: { type: 'final', output: { state: 'rejected' } },
    timedOut: { type: 'final', output: { state: 'timed-out' } },
  },
  // The final state names how it ended (its own `output`); the context adds the reply or the error.
  output: ({ context, event }) => ({
    state: (event.output as { state: FinalConversationState }).state,
    ...(context.result ? { result: context.result } : {}),
    ...(context.error ? { error: context.error } : {}),
  }),
});

export type ConversationSnapshotOf = SnapshotFrom<typeof ConversationMachine>;

const STATE_NAMES: Record<string, ConversationStateName> = {
  submitted: 'submitted',
  working: 'working',
  inputRequired: 'input-required',
  peerLost: 'working',
  completed: 'completed',
  failed: 'failed',
  canceled: 'canceled',
  rejected: 'rejected',
  timedOut: 'timed-out',
};

/** The protocol's (A2A) state name for a machine snapshot. */
export function conversationStateName(snapshot: ConversationSnapshotOf): ConversationStateName {
  const value = snapshot.value;
  const leaf = typeof value === 'string' ? value : (Object.values(value)[0] as string);
  return STATE_NAMES[leaf] ?? 'working';
}
