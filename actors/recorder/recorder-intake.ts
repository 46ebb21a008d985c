import type { EventEmitter } from 'node:events';
import { parseTopic, Topics } from '../../protocol/index.ts';
import type { IncomingMessage, MessageRecorder, RecordOutcome } from '../../storage/index.ts';
import type { StateSweeper } from './state-sweeper.ts';

export type RecorderEvents = EventEmitter<{ recorded: [string, RecordOutcome]; committed: [number] }>;

/**
 * What follows a commit, for either way messages reach the recorder (the embedded broker's
 * publish path or its MQTT subscription): announce each message, time the clearing of final
 * state snapshots, and clear the snapshots of conversations the reaper ended. All of it reads
 * the envelope decoded once by MessageRecorder.
 */
export class RecorderIntake {
  constructor(
    private readonly recorder: MessageRecorder,
    private readonly sweeper: StateSweeper,
    private readonly events: RecorderEvents,
    private readonly clearState: (topic: string) => Promise<void>,
  ) {}

  /** Records the group in one transaction (throws when it could not be committed: nothing may be acknowledged). */
  record(group: readonly IncomingMessage[]): void {
    const outcomes = this.recorder.recordBatch(group);
    this.events.emit('committed', group.length);
    for (let i = 0; i < group.length; i++) this.after((group[i] as IncomingMessage).topic, outcomes[i] as RecordOutcome);
  }

  private after(topic: string, outcome: RecordOutcome): void {
    if (outcome.reaped) for (const id of outcome.reaped) void this.clearState(Topics.conversationState(id)).catch(() => {});
    if (topic.endsWith('/state') && parseTopic(topic)?.kind === 'conversation-state') this.sweeper.observe(topic, outcome.envelope);
    this.events.emit('recorded', topic, outcome);
  }
}
