import { fmtMs, fmtRatio, table } from '../bus/support.ts';
import type { BackendLatency } from './pool-latency.ts';

/** Section 4 of `npm run bench`: cold vs warm, with the ratio cold / warm (how many times faster a pooled instance answers). */
export function printPoolLatency(results: readonly BackendLatency[]): void {
  console.log('\n5. Instance pooling: first answer of a cold instance (opened by the pool) vs the next answer of a warm pooled one; medians');
  const rows = results.flatMap((r) => [
    [r.backend, 'cold', String(r.trials.cold), fmtMs(r.cold.firstTokenMs), fmtMs(r.cold.turnMs), ''],
    ['', 'warm (baseline)', String(r.trials.warm), fmtMs(r.warm.firstTokenMs), fmtMs(r.warm.turnMs), fmtRatio(r.cold.turnMs / r.warm.turnMs)],
  ]);
  console.log(table(['backend', 'instance', 'n', 'first token ms', 'turn ms', 'cold / warm'], rows));
  const parts = results.map(
    (r) =>
      `${r.backend}: cold first token ${fmtMs(r.cold.firstTokenMs)} ms, turn ${fmtMs(r.cold.turnMs)} ms vs warm ${fmtMs(r.warm.firstTokenMs)} / ${fmtMs(r.warm.turnMs)} ms = ${fmtRatio(r.cold.turnMs / r.warm.turnMs)}`,
  );
  console.log(`Summary: ${parts.join('; ')}.`);
}
