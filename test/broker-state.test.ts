import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { SqliteBrokerPersistence } from '../storage/broker-state/index.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
/** Every broker child, so a failed or timed-out test cannot leave one running. */
const children = new Set<ChildProcess>();

/** `comms broker` as a child process; resolves with its URL once it listens. */
async function spawnBroker(statePath: string, port = 0): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(process.execPath, [join(repo, 'bin', 'comms.js'), 'broker', '--port', String(port), '--state', statePath], {
    cwd: repo,
    env: { ...process.env, COMMS_LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /broker listening on (mqtt:\/\/[^\s,]+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
  });
  return { child, url, port: Number(new URL(url).port) };
}

async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('durable broker state (SQLite)', function () {
  this.timeout(120_000);
  afterEach(async () => {
    await Promise.all([...children].map((c) => sigkill(c)));
    children.clear();
  });

  it('passes the aedes-persistence abstract suite', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter', 'tap', 'test/broker-state-abstract.node.ts'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
    const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(stdout)?.[1]);
    expect(count('fail'), stdout.split('\n').filter((l) => l.startsWith('not ok')).join('\n')).to.equal(0);
    expect(count('pass')).to.be.at.least(50);
  });

  it('reopens with the sessions, queued messages, retained messages and wills it held', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comms-broker-state-'));
    try {
      const path = join(dir, 'broker.db');
      const first = new SqliteBrokerPersistence(path);
      await first.setup({ id: 'b1' });
      const client = { id: 'recorder' };
      await first.addSubscriptions(client, [{ topic: 'comms/v1/#', qos: 1 }]);
      const publish = (n: number) => ({ cmd: 'publish', topic: `comms/v1/t/${n}`, payload: Buffer.from(`m${n}`), qos: 1, retain: false, dup: false, brokerId: 'b1', brokerCounter: n });
      await first.outgoingEnqueueCombi([{ clientId: 'recorder' }], publish(1));
      await first.outgoingEnqueueCombi([{ clientId: 'recorder' }], publish(2));
      await first.outgoingUpdate(client, { ...publish(1), messageId: 7 }); // in flight
      await first.storeRetained({ cmd: 'publish', topic: 'comms/v1/modules/a/status', payload: Buffer.from('online'), qos: 1, retain: true });
      await first.putWill({ id: 'a' }, { topic: 'comms/v1/modules/a/status', payload: Buffer.from('lost'), qos: 1, retain: true });
      // No destroy(): a crash does not close the database.

      const second = new SqliteBrokerPersistence(path);
      await second.setup({ id: 'b2' });
      expect(await second.subscriptionsByTopic('comms/v1/x')).to.deep.equal([{ clientId: 'recorder', topic: 'comms/v1/#', qos: 1, rh: undefined, rap: undefined, nl: undefined }]);
      const queued: Array<Record<string, unknown>> = [];
      for await (const p of second.outgoingStream(client)) queued.push(p as Record<string, unknown>);
      // Packet ids of the dead broker's connections are dropped (the resend is numbered afresh).
      expect(queued.map((p) => [String(p['payload']), p['messageId']])).to.deep.equal([
        ['m1', undefined],
        ['m2', undefined],
      ]);
      const retained: Array<Record<string, unknown>> = [];
      for await (const p of second.createRetainedStreamCombi(['comms/v1/modules/+/status'])) retained.push(p as Record<string, unknown>);
      expect(retained.map((p) => String(p['payload']))).to.deep.equal(['online']);
      const wills: Array<Record<string, unknown>> = [];
      for await (const w of second.streamWill({ b2: Date.now() })) wills.push(w as Record<string, unknown>);
      expect(wills.map((w) => [w['clientId'], w['brokerId'], String(w['payload'])])).to.deep.equal([['a', 'b1', 'lost']]);
      await second.destroy();
      await first.destroy();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a PUBACK from the embedded broker survives its SIGKILL: offline and in-flight persistent subscribers get every acked message after the restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comms-broker-kill-'));
    const statePath = join(dir, 'broker.db');
    let broker = await spawnBroker(statePath);
    const N = 300;
    try {
      // A persistent QoS 1 session with one filter, then offline: its messages wait in the broker.
      const sub = await mqtt.connectAsync(broker.url, { clientId: 'durable-sub', clean: false, reconnectPeriod: 0 });
      await sub.subscribeAsync({ 'durable/#': { qos: 1 } });
      await sub.endAsync();

      // A second persistent session stays online but never acknowledges: what the broker has sent it is in flight at
      // the kill (mqtt.js reads no further until a message is handled, so at least the first one is, with its packet id).
      const held = await mqtt.connectAsync(broker.url, { clientId: 'held-sub', clean: false, reconnectPeriod: 0 });
      const allInFlight = new Promise<void>((resolve) => {
        held.handleMessage = () => resolve();
      });
      await held.subscribeAsync({ 'durable/m/#': { qos: 1 } });

      const pub = await mqtt.connectAsync(broker.url, { clientId: 'durable-pub', reconnectPeriod: 0 });
      await Promise.all(Array.from({ length: N }, (_, i) => pub.publishAsync(`durable/m/${i}`, String(i), { qos: 1 })));
      await pub.publishAsync('durable/retained', 'kept', { qos: 1, retain: true });
      await allInFlight;
      // Every PUBACK is in; now the broker dies without a chance to flush anything.
      await sigkill(broker.child);
      pub.end(true);
      held.end(true);

      broker = await spawnBroker(statePath, broker.port);
      const received = new Set<string>();
      const again = mqtt.connect(broker.url, { clientId: 'durable-sub', clean: false, reconnectPeriod: 0 });
      const all = new Promise<void>((resolve) =>
        again.on('message', (topic, payload) => {
          if (topic.startsWith('durable/m/')) received.add(payload.toString());
          if (received.size === N) resolve();
        }),
      );
      const connack = await new Promise<{ sessionPresent: boolean }>((resolve) => again.once('connect', resolve));
      expect(connack.sessionPresent, 'the session survived the crash').to.equal(true);
      await all;
      expect(received.size).to.equal(N);

      // The in-flight ones are sent again to the session that never acknowledged them.
      const heldAgain = mqtt.connect(broker.url, { clientId: 'held-sub', clean: false, reconnectPeriod: 0 });
      const redelivered = new Set<string>();
      await new Promise<void>((resolve) =>
        heldAgain.on('message', (_topic, payload) => {
          redelivered.add(payload.toString());
          if (redelivered.size === N) resolve();
        }),
      );
      await heldAgain.endAsync();

      const reader = await mqtt.connectAsync(broker.url, { clientId: 'durable-reader', reconnectPeriod: 0 });
      const retained = new Promise<string>((resolve) => reader.on('message', (_t, p) => resolve(p.toString())));
      await reader.subscribeAsync('durable/retained', { qos: 1 });
      expect(await retained).to.equal('kept');
      await reader.endAsync();
      await again.endAsync();
    } finally {
      await sigkill(broker.child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
