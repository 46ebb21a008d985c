import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Topics, createEnvelope, type Envelope, type ModuleStatus } from '../protocol/index.ts';
import { CommsQueries } from '../storage/index.ts';
import { busFixture } from './support/bus-fixture.ts';
import { MOSQUITTO, startMosquitto } from './support/mosquitto.ts';
import { Actor } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

function startRecorderProcess(url: string, db: string): ChildProcess {
  return spawn(process.execPath, [join(repo, 'bin', 'comms.js'), 'recorder', '--url', url, '--db', db], {
    cwd: repo,
    env: { ...process.env, COMMS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves when the recorder's retained status says online with a session we have not seen. */
function recorderOnline(watcher: MqttClient, notSession?: string): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (topic !== Topics.moduleStatus('recorder') || payload.length === 0) return;
      const status = (JSON.parse(payload.toString()) as Envelope<ModuleStatus>).body;
      if (status.state === 'online' && status.sessionId !== notSession) {
        watcher.off('message', onMessage);
        resolve(status.sessionId);
      }
    };
    watcher.on('message', onMessage);
  });
}

function event(conversationId: string, seq: number): string {
  return JSON.stringify(
    createEnvelope({
      kind: 'event',
      from: 'producer',
      to: '*',
      conversationId,
      seq,
      schema: 'conversation.event@1',
      body: { type: 'progress', state: 'working', requester: 'producer', responder: 'worker', query: 'work@1', requestId: 'r1', attempt: 1, progress: { percent: seq / 20 } },
    }),
  );
}

describe('recorder crash', function () {
  // Spawns processes: a hang guard, not a speed budget (a loaded machine is slow to start them).
  this.timeout(600_000);

  // Run against mosquitto: with aedes 1.2, a persistent session that reconnects while messages keep
  // arriving sometimes misses a few of them (about 1 run in 7 here; never with mosquitto in the same
  // test; see docs/troubleshooting.md). What this test proves is the recorder's side: ack after
  // commit, a persistent session, de-duplication of redeliveries.
  it('loses no message when the recorder process is SIGKILLed mid-stream and restarted (mosquitto)', async function () {
    if (!MOSQUITTO) throw new Error('mosquitto is not installed: run scripts/setup-system.sh (CI does)');
    const bus = await busFixture();
    const db = join(bus.dir, 'comms.db');
    const mosquitto = await startMosquitto(bus.dir);
    const url = mosquitto.url;
    const watcher = await mqtt.connectAsync(url, { clientId: 'crash-watcher', protocolVersion: 4 });
    await watcher.subscribeAsync(Topics.moduleStatus('recorder'), { qos: 1 });
    let child = startRecorderProcess(url, db);
    try {
      const firstSession = await recorderOnline(watcher);
      const producer = await mqtt.connectAsync(url, { clientId: 'producer', protocolVersion: 4 });
      const total = 1500;
      const killAt = 600;
      let killed: Promise<unknown> | undefined;
      for (let seq = 1; seq <= total; seq++) {
        // Not awaited one by one: a real producer streams, several publishes in flight.
        const sent = producer.publishAsync(Topics.conversationEvents('crash'), event('crash', seq), { qos: 1 });
        if (seq % 50 === 0) await sent;
        if (seq === killAt) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          killed = exited;
        }
      }
      await killed;
      child = startRecorderProcess(url, db);
      await recorderOnline(watcher, firstSession);

      // aedes may deliver the session's queued messages after newer live ones, so ask the recorder
      // (each answer is the event we wait on) until it has caught up or plainly never will.
      const asker = new Actor({ name: 'asker', url, logger: createLogger('asker', 'silent') });
      await asker.start();
      let answer = { events: [] as Array<{ seq: number }> };
      for (let asked = 0; asked < 500 && answer.events.length < total; asked++) {
        answer = await asker.ask('recorder', 'conversation.events.query@1', { conversationId: 'crash', afterSeq: 0 }, { timeoutMs: 30_000 });
      }
      const got = new Set(answer.events.map((e) => e.seq));
      const missing = Array.from({ length: total }, (_, i) => i + 1).filter((seq) => !got.has(seq));
      expect(missing, `seqs never recorded: ${missing.join(',')}`).to.deep.equal([]);
      expect(answer.events.map((e) => e.seq)).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));

      const queries = new CommsQueries(db);
      const rows = queries.listMessages({ topicPrefix: Topics.conversationEvents('crash'), limit: 10_000 });
      expect(rows).to.have.length(total, 'each message is stored exactly once, redeliveries included');
      expect(queries.getTaskStatus('crash').lastSeq).to.equal(total);
      queries.close();
      await producer.endAsync();
      await asker.stop();
    } finally {
      child.kill('SIGKILL');
      await watcher.endAsync();
      mosquitto.process.kill('SIGTERM');
      await bus.close();
    }
  });
});
