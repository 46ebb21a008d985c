// aedes-persistence's abstract conformance suite (node:test) against SqliteBrokerPersistence, each
// instance on a fresh SQLite file. Run by test/broker-state.test.ts as
// `node --import tsx --test test/broker-state-abstract.node.ts`; not a mocha file.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBrokerPersistence } from '../storage/broker-state/index.ts';

const require = createRequire(import.meta.url);
const abstractPersistence = require('aedes-persistence/abstract.js') as (opts: { test: typeof test; persistence: () => unknown; testAsync: boolean }) => void;

const dir = mkdtempSync(join(tmpdir(), 'comms-broker-state-abstract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

abstractPersistence({
  test,
  persistence: () => new SqliteBrokerPersistence(join(dir, `state-${++n}.db`)),
  // Our persistence is async-native (as aedes 1.x calls it): setup(broker) is awaited, no 'ready' event.
  testAsync: true,
});
