import { CommsError, INSTANCE_HISTORY_MAX_LIMIT, type InstanceHistory, type InstanceHistoryResult, type InstanceTurnItem } from '../../protocol/index.ts';

/** Characters of a turn `comms instance history` prints on its line unless `--chars` says otherwise. */
export const HISTORY_LINE_CHARS = 200;

/** The `instance.history@1` body of the command line; a bad `--limit` / `--before` is named before anything is sent. */
export function historyPageArgs(argv: { id: string; limit?: number | undefined; before?: number | undefined }): InstanceHistory {
  const { id, limit, before } = argv;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= INSTANCE_HISTORY_MAX_LIMIT)) {
    throw new CommsError('E_USAGE', `--limit ${limit}: give a whole number of turns from 1 to ${INSTANCE_HISTORY_MAX_LIMIT}.`);
  }
  if (before !== undefined && !(Number.isInteger(before) && before >= 1)) {
    throw new CommsError('E_USAGE', `--before ${before}: give the seq of a turn (1 or more), e.g. the one the previous page printed.`);
  }
  return { id, ...(limit !== undefined ? { limit } : {}), ...(before !== undefined ? { before } : {}) };
}

/**
 * `comms instance history`: a header naming the instance, then one line per turn (seq, time, role,
 * text with its line breaks folded), and how to page back when earlier turns exist.
 */
export function formatHistory(result: InstanceHistoryResult, id: string, chars = HISTORY_LINE_CHARS): string {
  const { instance, turns } = result;
  const shown = turns.length === 0 ? 'no turns to show' : `turns ${turns[0]?.seq}-${turns.at(-1)?.seq} of ${instance.turns}`;
  const lines = [`instance ${instance.id}  module ${instance.module}  backend ${instance.backend}  state ${instance.state}  ${shown}`];
  const roleWidth = Math.max(0, ...turns.map((t) => t.role.length));
  for (const turn of turns) lines.push(`#${turn.seq}  ${turn.at}  ${turn.role.padEnd(roleWidth)}  ${lineText(turn, chars)}`);
  if (result.earlier !== null) lines.push(`earlier turns: comms instance history ${id} --before ${result.earlier}`);
  return lines.join('\n');
}

/** The turn's text on one line, cut to `chars` (0: all the answer holds), saying how long it really is when cut. */
function lineText(turn: InstanceTurnItem, chars: number): string {
  const folded = turn.text.replace(/\s+/g, ' ').trim();
  const cut = chars > 0 && folded.length > chars;
  if (!cut && !turn.truncated) return folded;
  return `${cut ? folded.slice(0, chars) : folded}… [${turn.chars} chars; --json has the first ${turn.text.length}]`;
}
