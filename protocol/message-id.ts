import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** ulid's own PRNG asks the OS for one byte per character (16 calls per id): draw them from a refilled pool instead. */
const pool = new Uint8Array(4096);
let next = pool.length;
function pooledRandom(): number {
  if (next === pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return (pool[next++] as number) / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

/**
 * Message and conversation ids are lowercase ULIDs: unique, sortable by creation time, and valid
 * identifiers for topic segments (the topic map wants lowercase).
 */
export function newId(): string {
  return nextUlid().toLowerCase();
}
