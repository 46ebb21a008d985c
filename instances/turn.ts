/** One message of a conversation with a model: what was said, and by whom. */
export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/** A turn as stored in an instance's history: numbered from 1 and time-stamped. */
export interface StoredTurn extends Turn {
  seq: number;
  /** ISO 8601 time the turn was recorded. */
  at: string;
}
