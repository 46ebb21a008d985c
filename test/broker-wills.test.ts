import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
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
      console.error("second up", Date.now()); const watcher = await mqtt.connectAsync(second.url, { clientId: 'watcher', clean: true });
      clients.push(watcher);
      const published: string[] = [];
      const goneWill = new Promise<void>((resolve) =>
        watcher.on('message', (_topic, payload) => {
          published.push(payload.toString()); console.error('msg', payload.toString(), Date.now());
          if (payload.toString() === 'gone') resolve();
        }),
      );
      await watcher.subscribeAsync(WILL_TOPIC, { qos: 1 });
      await reconnected; console.error("reconnected", Date.now());
      await goneWill; console.error("gone", published);
      // The returning clients' wills are the new broker's: still stored, never published.
      const stored = storedWills(statePath);
      expect(stored.map((w) => w.client_id)).to.deep.equal(returning.map((_, i) => `back-${i}`).sort());
      expect(published).to.deep.equal(['gone']);
    } finally {
      for (const c of clients) c.end(true);
      for (const child of children) if (child.exitCode === null && child.signalCode === null) await killed(child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
