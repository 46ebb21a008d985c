import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { SqliteBrokerPersistence } from '../storage/broker-state/index.ts';
import { commsBin, lineOn, repo } from './support/cli-process.ts';

/** A real `comms broker --state` process: SIGKILL leaves its SQLite state (wills included) as a crash would. */
async function brokerProcess(statePath: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [commsBin, 'broker', '--port', String(port), '--state', statePath], {
    cwd: repo,
    env: { ...process.env, COMMS_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [url] = await lineOn(child, 'stdout', /mqtt:\/\/[\d.]+:\d+/);
  return { child, url };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const WILL_TOPIC = 'test/wills';

function withWill(url: string, clientId: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId,
    clean: false,
    reconnectPeriod: 50,
    will: { topic: WILL_TOPIC, payload: Buffer.from(clientId), qos: 1, retain: false },
  });
}

function storedWills(statePath: string): Array<{ client_id: string; meta: string }> {
  const db = new BetterSqlite3(statePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT client_id, meta FROM wills ORDER BY client_id').all() as Array<{ client_id: string; meta: string }>;
  } finally {
    db.close();
  }
}

describe('broker wills across a broker crash (embedded aedes, SQLite state)', function () {
  this.timeout(120_000);

  it('the restarted broker publishes the will of a client that never came back, not of one that reconnected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comms-wills-'));
    const statePath = join(dir, 'broker.db');
    const children: ChildProcess[] = [];
    const clients: MqttClient[] = [];
    try {
      const first = await brokerProcess(statePath, 0);
      children.push(first.child);
      const port = Number(new URL(first.url).port);
      // Many returning clients: the restarted broker streams the wills while they are reconnecting.
      const returning = await Promise.all(Array.from({ length: 40 }, (_, i) => withWill(first.url, `back-${i}`)));
      clients.push(...returning);
      const gone = await withWill(first.url, 'gone');
      gone.options.reconnectPeriod = 0;
      await killed(first.child);
      gone.end(true);

      const reconnected = Promise.all(returning.map((c) => new Promise<void>((resolve) => c.once('connect', () => resolve()))));
      const second = await brokerProcess(statePath, port);
      children.push(second.child);
      const watcher = await mqtt.connectAsync(second.url, { clientId: 'watcher', clean: true });
      clients.push(watcher);
      const published: string[] = [];
      const goneWill = new Promise<void>((resolve) =>
        watcher.on('message', (_topic, payload) => {
          published.push(payload.toString());
          if (payload.toString() === 'gone') resolve();
        }),
      );
      await watcher.subscribeAsync(WILL_TOPIC, { qos: 1 });
      await reconnected;
      await goneWill;
      // The returning clients' wills are the new broker's: still stored, never published. ('gone' is deleted
      // only after its publish resolves, so it may still be listed at this point.)
      const stored = storedWills(statePath).filter((w) => w.client_id !== 'gone');
      expect(stored.map((w) => w.client_id)).to.deep.equal(returning.map((_, i) => `back-${i}`).sort());
      expect(published).to.deep.equal(['gone']);
    } finally {
      for (const c of clients) c.end(true);
      for (const child of children) if (child.exitCode === null && child.signalCode === null) await killed(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a will stored anew while the restarted broker streams the crashed one\'s wills is neither published nor deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comms-wills-'));
    const statePath = join(dir, 'broker.db');
    const will = (who: string) => ({ cmd: 'publish', topic: WILL_TOPIC, payload: Buffer.from(who), qos: 1, retain: false });
    try {
      const crashed = new SqliteBrokerPersistence(statePath);
      await crashed.setup({ id: 'crashed' });
      await crashed.putWill({ id: 'back' }, will('back'));
      await crashed.putWill({ id: 'gone' }, will('gone'));
      await crashed.destroy();

      const restarted = new SqliteBrokerPersistence(statePath);
      await restarted.setup({ id: 'restarted', clients: {} });
      const stream = restarted.streamWill({ restarted: Date.now() });
      // 'back' reconnects after aedes asked for the stream, before it reads it (aedes' connect: delWill, putWill).
      await restarted.delWill({ id: 'back' });
      await restarted.putWill({ id: 'back' }, will('back'));
      const streamed: string[] = [];
      for await (const packet of stream as AsyncIterable<{ clientId: string }>) streamed.push(packet.clientId);
      expect(streamed).to.deep.equal(['gone']);
      // aedes deletes each will it published by {id, brokerId}: a will of another broker is not that one.
      expect(await restarted.delWill({ id: 'back', brokerId: 'crashed' })).to.equal(undefined);
      expect((await restarted.getWill({ id: 'back' }))?.['brokerId']).to.equal('restarted');
      expect((await restarted.delWill({ id: 'gone', brokerId: 'crashed' }))?.['clientId']).to.equal('gone');
      await restarted.destroy();
      expect(storedWills(statePath).map((w) => w.client_id)).to.deep.equal(['back']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
