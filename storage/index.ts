export { openWriter, openReader, type Database } from './database.ts';
export { migrate, MIGRATIONS } from './migrations.ts';
export { MessageRecorder, type IncomingMessage, type RecordOutcome } from './message-recorder.ts';
export { CommsQueries, type ConversationStatus, type RecordedEvent, type RecordedMessage, type CommsStats, type ListConversationsFilter, type WorkflowRecord, type WorkflowStepRecord } from './comms-queries.ts';
export { pruneRecords, type RetentionPolicy } from './retention.ts';
