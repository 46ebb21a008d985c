/**
 * The lifecycle of a background instance as an XState v5 machine (data, no side effects):
 *
 *   idle --SEND--> busy --DONE--> idle
 *   idle --PAUSE--> paused --RESUME--> idle
 *   busy --PAUSE--> busy (pause requested) --DONE--> paused      (a running answer is not cut off)
 *   idle|busy --HEALTH_FAILED--> failed
 *   any but terminated --TERMINATE--> terminated (final; `output` = InstanceMachineOutput)
 */
import { assign, setup, type SnapshotFrom } from 'xstate';

export interface InstanceMachineContext {
  instanceId: string;
  /** Requests started. */
  requests: number;
  /** Requests that ended with an error. */
  failures: number;
  pauseRequested: boolean;
  lastError: string | undefined;
}

export type InstanceEvent =
  | { type: 'SEND' }
  | { type: 'DONE'; ok: boolean; error?: string }
  | { type: 'PAUSE' }
  | { type: 'RESUME' }
  | { type: 'TERMINATE' }
  | { type: 'HEALTH_FAILED'; reason: string };

/** What a terminated instance did over its life in this process. */
export interface InstanceMachineOutput {
  instanceId: string;
  requests: number;
  failures: number;
  lastError: string | undefined;
}

export const InstanceMachine = setup({
  types: {
    context: {} as InstanceMachineContext,
    events: {} as InstanceEvent,
    input: {} as { instanceId: string },
    output: {} as InstanceMachineOutput,
  },
  actions: {
    countRequest: assign({ requests: ({ context }) => context.requests + 1 }),
    recordOutcome: assign(({ context, event }) =>
      event.type === 'DONE' && !event.ok
        ? { failures: context.failures + 1, lastError: event.error ?? 'unknown error' }
        : {},
    ),
    requestPause: assign({ pauseRequested: true }),
    cancelPause: assign({ pauseRequested: false }),
    recordHealthFailure: assign({
      lastError: ({ event }) => (event.type === 'HEALTH_FAILED' ? event.reason : undefined),
    }),
  },
  guards: {
    pauseRequested: ({ context }) => context.pauseRequested,
  },
}).createMachine({
  id: 'instance',
  initial: 'idle',
  context: ({ input }) => ({
    instanceId: input.instanceId,
    requests: 0,
    failures: 0,
    pauseRequested: false,
    lastError: undefined,
  }),
  output: ({ context }) => ({
    instanceId: context.instanceId,
    requests: context.requests,
    failures: context.failures,
    lastError: context.lastError,
  }),
  states: {
    idle: {
      on: {
        SEND: { target: 'busy', actions: 'countRequest' },
        PAUSE: 'paused',
        HEALTH_FAILED: { target: 'failed', actions: 'recordHealthFailure' },
        TERMINATE: 'terminated',
      },
    },
    busy: {
      on: {
        DONE: [
          { guard: 'pauseRequested', target: 'paused', actions: 'recordOutcome' },
          { target: 'idle', actions: 'recordOutcome' },
        ],
        PAUSE: { actions: 'requestPause' },
        RESUME: { actions: 'cancelPause' },
        HEALTH_FAILED: { target: 'failed', actions: 'recordHealthFailure' },
        TERMINATE: 'terminated',
      },
    },
    paused: {
      entry: 'cancelPause',
      on: {
        RESUME: 'idle',
        TERMINATE: 'terminated',
      },
    },
    failed: {
      on: { TERMINATE: 'terminated' },
    },
    terminated: { type: 'final' },
  },
});

export type InstanceMachineSnapshot = SnapshotFrom<typeof InstanceMachine>;

/** The machine's state names, read off the machine itself (no hand-written twin). */
export type InstanceState = InstanceMachineSnapshot['value'];
