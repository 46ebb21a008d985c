import type { StoredTurn } from '../../instances/index.ts';
import { INSTANCE_HISTORY_DEFAULT_LIMIT, INSTANCE_TURN_TEXT_LIMIT, type InstanceHistory, type InstanceTurnItem } from '../../protocol/index.ts';

export interface HistoryPage {
  turns: InstanceTurnItem[];
  /** The `before` of the preceding page, or null when this one starts at the first turn. */
  earlier: number | null;
}

/**
 * One page of an instance's turns for `instance.history@1`: the last `limit` before `before`,
 * oldest first, each text cut to INSTANCE_TURN_TEXT_LIMIT characters (marked, with its full length).
 */
export function historyPage(turns: readonly StoredTurn[], request: Pick<InstanceHistory, 'limit' | 'before'>): HistoryPage {
  const { before } = request;
  const eligible = before === undefined ? turns : turns.filter((t) => t.seq < before);
  const page = eligible.slice(Math.max(0, eligible.length - (request.limit ?? INSTANCE_HISTORY_DEFAULT_LIMIT)));
  const first = page[0];
  return { turns: page.map(turnItem), earlier: first !== undefined && page.length < eligible.length ? first.seq : null };
}

function turnItem(turn: StoredTurn): InstanceTurnItem {
  const truncated = turn.content.length > INSTANCE_TURN_TEXT_LIMIT;
  return { seq: turn.seq, role: turn.role, text: truncated ? turn.content.slice(0, INSTANCE_TURN_TEXT_LIMIT) : turn.content, truncated, chars: turn.content.length, at: turn.at };
}
