import type { ConversationStatus } from '../storage/index.ts';
import { FINAL_STATES, type ProgressReport } from '../protocol/index.ts';

/** Human-readable output for the CLI; `--json` prints the objects themselves instead. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * The stage column for a status: a running conversation shows its current stage; a completed one
 * none (its last progress stage, often `accepted`, is stale once the reply came); one that failed,
 * was canceled or timed out shows where it stopped.
 */
function stageOf(s: ConversationStatus): string {
  if (!s.stage) return '';
  if (!FINAL_STATES.includes(s.state)) return `  [${s.stage}]`;
  return s.state === 'completed' ? '' : `  [stopped at ${s.stage}]`;
}

export function formatStatus(s: ConversationStatus): string {
  const error = s.error ? `  ${s.error.code}: ${s.error.message}` : '';
  const percent = s.state === 'completed' ? 100 : s.percent;
  return `${s.id}  ${s.state.padEnd(14)} ${String(Math.round(percent)).padStart(3)}%  ${s.requester ?? '?'} -> ${s.responder ?? '?'}  ${s.query ?? ''}${stageOf(s)}${error}`;
}

export function progressBar(percent: number, width = 30): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(percent)).padStart(3)}%`;
}

/** One progress line on stderr, so stdout stays the command's JSON answer. */
export function printProgress(p: ProgressReport): void {
  process.stderr.write(`${progressBar(p.percent ?? 0)} ${p.stage ?? ''} ${p.note ?? ''}\n`);
}
