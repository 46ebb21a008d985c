import { EventEmitter } from 'node:events';
import { openWriter, CommsQueries, MessageRecorder, openReader, type RetentionPolicy } from '../../storage/index.ts';
import { Topics } from '../../protocol/index.ts';
import { Actor, connectionOptions, defineQuery, type ModuleConnectionOptions } from '../runtime/index.ts';
import { StateSweeper } from './state-sweeper.ts';
import { ConversationEventsAnswer, ConversationEventsQuery, ConversationStatusAnswer, ConversationStatusQuery } from '../../protocol/index.ts';
import { conversationListQuery, recorderStatsQuery } from './history-queries.ts';
import { GroupCommit } from './group-commit.ts';
import { RecorderIntake, type RecorderEvents } from './recorder-intake.ts';
import { startRetention, type RetentionSchedule } from './retention-schedule.ts';

/**
 * The embedded broker of this process, when the recorder may record inside its publish path
 * (structurally `EmbeddedBroker`: the recorder does not depend on broker/).
 */
export interface InProcessBroker {
  tap(tap: ((group: ReadonlyArray<{ topic: string; payload: Buffer; retained: boolean }>) => void) | undefined): void;
  retained(filters: string[]): Promise<Array<{ topic: string; payload: Buffer; retained: boolean }>>;
}

/** The client id stays `recorder` unless given: stable, so the broker keeps the session and queues messages while the recorder is down. */
export interface RecorderOptions extends ModuleConnectionOptions {
  /** SQLite file; created with its folder when missing. */
  dbPath: string;
  /** Age and/or size limits, checked on start and every `everyMs` (default 10 minutes). */
  retention?: RetentionPolicy & { everyMs?: number };
  /** How long an ended conversation's retained state snapshot stays before the recorder clears it. Default 60 s. */
  stateRetentionMs?: number;
  /**
   * Record inside this embedded broker's publish path (group commit before each PUBACK) instead of
   * subscribing to comms/v1/# (docs/architecture.md, The recorder and ack-after-commit).
   */
  broker?: InProcessBroker;
  /**
   * As a subscriber (no `broker`): how long a message that arrives alone waits for others to share
   * its commit, ms (group-commit.ts). Default 5; its PUBACK waits for the commit either way.
   */
  groupLingerMs?: number;
}

/**
 * A group this size no longer lingers (group-commit.ts): mosquitto sends at most 20 unacknowledged
 * messages by default. Groups of 20 already cost ~27 µs a message against ~20 for 1000
 * (bench/bus/recorded-throughput.ts); a batch the embedded broker sent in one write
 * (broker/delivery-batching.ts) is committed whole, up to MAX_GROUP.
 */
const FULL_GROUP = 20;
const MAX_GROUP = 4096;
const DEFAULT_LINGER_MS = 5;

export interface Recorder {
  readonly actor: Actor;
  readonly queries: CommsQueries;
  /** 'recorded' fires after each message is committed (topic, outcome); 'committed' once per transaction (messages in it). */
  readonly events: RecorderEvents;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Retained topics the recorder reads at start: cards and statuses (the reaper reconciles) and conversation snapshots (the sweeper clears). */
const RETAINED_AT_START = [Topics.filters.allCards, Topics.filters.allStatus, Topics.filters.allConversationStates];

/**
 * The recorder, the database's only writer. With an in-process embedded broker it records each
 * group of publishes inside the broker's publish path, before their PUBACKs; with any other broker
 * it subscribes to comms/v1/# with a persistent session, commits what arrives in groups
 * (group-commit.ts) and acknowledges each delivery after its group's commit. It also answers status, events-since-seq, list and stats queries.
 */
export function createRecorder(options: RecorderOptions): Recorder {
  const db = openWriter(options.dbPath);
  const recorder = new MessageRecorder(db);
  const queries = new CommsQueries(options.dbPath === ':memory:' ? db : openReader(options.dbPath));
  const attached = options.broker;
  const actor = new Actor({
    name: 'recorder',
    ...connectionOptions(options),
    // Attached, nothing waits for it in the broker: a persistent session would only collect what the tap already has.
    persistentSession: attached === undefined,
    // Its listener commits in groups: it must see the next message before the last one's commit.
    pipelinedListeners: attached === undefined,
    description: 'Records every message on comms/v1/# in SQLite and answers status and history queries.',
  });
  const events: RecorderEvents = new EventEmitter();
  const clearState = (topic: string) => actor.publishRaw(topic, Buffer.alloc(0), { retain: true });
  const sweeper = new StateSweeper(clearState, options.stateRetentionMs ?? 60_000);
  const intake = new RecorderIntake(recorder, sweeper, events, clearState);
  const groups = new GroupCommit((group) => intake.record(group), { lingerMs: options.groupLingerMs ?? DEFAULT_LINGER_MS, fullGroup: FULL_GROUP, maxGroup: MAX_GROUP });
  if (!attached) actor.subscribe(Topics.all, (topic, payload, packet) => groups.add({ topic, payload, retained: packet.retain ?? false }));
  actor.handle(
    defineQuery({
      schema: 'conversation.events.query@1',
      description: 'Events of a conversation after a given seq, in order (for watchers that reconnect).',
      request: ConversationEventsQuery,
      responseSchemaId: 'conversation.events@1',
      response: ConversationEventsAnswer,
      handle: async ({ conversationId, afterSeq }) => ({ conversationId, events: queries.getConversationEvents(conversationId, afterSeq) }),
    }),
  );
  actor.handle(
    defineQuery({
      schema: 'conversation.status.query@1',
      description: 'Current state, progress and error of a conversation.',
      request: ConversationStatusQuery,
      responseSchemaId: 'conversation.status@1',
      response: ConversationStatusAnswer,
      handle: async ({ conversationId }) => {
        const { result: _result, parentId: _parent, ...status } = queries.getTaskStatus(conversationId);
        return status;
      },
    }),
  );
  actor.handle(conversationListQuery(queries));
  actor.handle(recorderStatsQuery(queries));
  let retention: RetentionSchedule | undefined;
  return {
    actor,
    queries,
    events,
    async start() {
      attached?.tap((group) => intake.record(group));
      await actor.start();
      // What the broker retained before the tap (e.g. from broker.db after a restart): a no-op when already recorded.
      if (attached) intake.record(await attached.retained(RETAINED_AT_START));
      if (options.retention) retention = startRetention(recorder, options.retention, actor.log);
    },
    async stop() {
      retention?.stop();
      sweeper.stop();
      groups.flush();
      await actor.stop();
      // What came while stopping is committed too, though its PUBACKs cannot leave: the broker redelivers, the recorder de-duplicates.
      groups.flush();
      attached?.tap(undefined);
      if (options.dbPath !== ':memory:') queries.close();
      db.close();
    },
  };
}
