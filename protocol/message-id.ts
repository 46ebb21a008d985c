import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * Message and conversation ids are lowercase ULIDs: unique, sortable by creation time, and valid
 * identifiers for topic segments (the topic map wants lowercase).
 */
export function newId(): string {
  return nextUlid().toLowerCase();
}
