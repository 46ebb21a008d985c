import { EventEmitter } from 'node:events';
import { openWriter, CommsQueries, MessageRecorder, pruneRecords, openReader, type RecordOutcome, type RetentionPolicy } from '../../storage/index.ts';
import { Topics } from '../../protocol/index.ts';
import type { Logger } from '../../logging/index.ts';
import { Actor, connectionOptions, defineQuery, type ModuleConnectionOptions } from '../runtime/index.ts';
import { reapOnStatus } from './conversation-reaper.ts';
import { StateSweeper } from './state-sweeper.ts';
import { ConversationEventsAnswer, ConversationEventsQuery, ConversationStatusAnswer, ConversationStatusQuery } from '../../protocol/index.ts';
import { conversationListQuery, recorderStatsQuery } from './history-queries.ts';

/** The client id stays `recorder` unless given: stable, so the broker keeps the session and queues messages while the recorder is down. */
export interface RecorderOptions extends ModuleConnectionOptions {
  /** SQLite file; created with its folder when missing. */
  dbPath: string;
  retention?: RetentionPolicy & { everyMs?: number };
  /** How long an ended conversation's retained state snapshot stays before the recorder clears it. Default 60 s. */
  stateRetentionMs?: number;
}

export interface Recorder {
  readonly actor: Actor;
  readonly queries: CommsQueries;
  /** 'recorded' fires after each message is committed (topic, outcome). */
  readonly events: EventEmitter<{ recorded: [string, RecordOutcome] }>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The recorder: subscribes to comms/v1/#, and writes each message to SQLite before the PUBACK
 * goes back (the Actor holds the ack until the listener returns), with a persistent session so
 * that messages published while it is down wait in the broker. It is the database's only writer;
 * it also answers status and events-since-seq queries for watchers that reconnect.
 */
export function createRecorder(options: RecorderOptions): Recorder {
  const db = openWriter(options.dbPath);
  const recorder = new MessageRecorder(db);
  const queries = new CommsQueries(options.dbPath === ':memory:' ? db : openReader(options.dbPath));
  const actor = new Actor({
    name: 'recorder',
    ...connectionOptions(options),
    persistentSession: true,
    description: 'Records every message on comms/v1/# in SQLite and answers status and history queries.',
  });
  const events = new EventEmitter<{ recorded: [string, RecordOutcome] }>();
  const sweeper = new StateSweeper((topic) => actor.publishRaw(topic, Buffer.alloc(0), { retain: true }), options.stateRetentionMs ?? 60_000);
  actor.subscribe(Topics.all, (topic, payload, packet) => {
    // Conversations whose requester is gone end here, not in the requester (see conversation-reaper.ts).
    for (const id of reapOnStatus(db, topic, payload)) void actor.publishRaw(Topics.conversationState(id), Buffer.alloc(0), { retain: true }).catch(() => {});
    sweeper.observe(topic, payload);
    const outcome = recorder.record({ topic, payload, retained: packet.retain ?? false });
    events.emit('recorded', topic, outcome);
  });
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
  let pruneTimer: NodeJS.Timeout | undefined;
  return {
    actor,
    queries,
    events,
    async start() {
      await actor.start();
      if (options.retention) {
        const policy = options.retention;
        const prune = () => {
          const removed = pruneRecords(db, policy);
          if (removed.messages + removed.conversations > 0) actor.log.info(removed, 'pruned old records');
        };
        prune();
        pruneTimer = setInterval(prune, policy.everyMs ?? 3_600_000);
        pruneTimer.unref();
      }
    },
    async stop() {
      clearInterval(pruneTimer);
      sweeper.stop();
      await actor.stop();
      if (options.dbPath !== ':memory:') queries.close();
      db.close();
    },
  };
}
