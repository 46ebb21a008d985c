import type { ConversationEvent, Envelope } from '../protocol/index.ts';

/** HH:MM:SS.mmm of an ISO time: a watcher reads a live stream, the date is today's. */
const clock = (iso: string) => iso.slice(11, 23);

/**
 * One conversation event as one readable `comms watch` line:
 * time, conversation, requester -> responder, state, percent, stage, note (or the error).
 */
export function formatEventLine(envelope: Envelope, event: ConversationEvent): string {
  const percent = event.progress?.percent !== undefined ? `${String(Math.round(event.progress.percent)).padStart(3)}%` : '    ';
  const stage = event.progress?.stage ?? (event.type === 'attempt' ? `attempt ${event.attempt}` : '');
  const note = event.error ? `${event.error.code}: ${event.error.message}` : (event.progress?.note ?? '');
  return [clock(envelope.sentAt), envelope.conversationId, `${event.requester} -> ${event.responder}`, event.state.padEnd(14), percent, stage, note]
    .filter((part) => part !== '')
    .join('  ');
}

export interface WatchFilter {
  module?: string;
  state?: string;
}

/** Whether an event passes `--module` (either side) and `--state`. */
export function eventMatches(event: ConversationEvent, filter: WatchFilter): boolean {
  if (filter.module !== undefined && event.requester !== filter.module && event.responder !== filter.module) return false;
  return filter.state === undefined || event.state === filter.state;
}
