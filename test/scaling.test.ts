import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mqtt from 'mqtt';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { Actor, type Conversation } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError, sharedInbox, Topics, type Envelope } from '../protocol/index.ts';
import { PDF_CONVERT_SCHEMA_ID, PDF_REQUIREMENTS_QUERY_SCHEMA_ID } from '../protocol/pdf/index.ts';
import { samplePath } from '../samples/index.ts';
import { writeMosquittoConfig } from '../security/index.ts';
import { startSystem } from '../system/index.ts';
import { Type } from '@sinclair/typebox';
import { defineQuery, type HandlerContext } from '../actors/runtime/index.ts';
import { busFixture, deferred, echoQuery, until } from './support/bus-fixture.ts';
import { commsBin, commsRun, expectCliError, repo } from './support/cli-process.ts';
import { freePort, MOSQUITTO, mosquittoForSuite, startMosquittoWithConfig } from './support/mosquitto.ts';

const logger = createLogger('scaling', process.env.COMMS_LOG_LEVEL ?? 'silent');

/** Every reply-kind message published to a requester's reply topic, counted per request id by a plain subscriber. */
async function replyCounter(url: string, requester: string): Promise<{ replies: Map<string, number>; client: mqtt.MqttClient }> {
  const client = await mqtt.connectAsync(url, { clientId: `${requester}-watch`, protocolVersion: 4 });
  const replies = new Map<string, number>();
  client.on('message', (_topic, payload) => {
    const envelope = JSON.parse(payload.toString()) as Envelope;
    if (envelope.kind === 'reply' && envelope.correlationId) replies.set(envelope.correlationId, (replies.get(envelope.correlationId) ?? 0) + 1);
  });
  await client.subscribeAsync(Topics.replies(requester), { qos: 1 });
  return { replies, client };
}

/** `comms actor marker --replica N` as its own process; resolves once it says it is online. */
async function markerReplica(url: string, replica: number, inputs: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [commsBin, 'actor', 'marker', '--replica', String(replica), '--url', url, '--inputs', inputs], {
    cwd: repo,
    env: { ...process.env, COMMS_LOG_LEVEL: 'silent' },
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`marker replica ${replica} online`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`marker replica ${replica} exited with ${code} before it was online`)));
  });
  return child;
}

/** The outcome of a conversation: its reply, or the error code it ended with. */
async function outcome(conversation: Conversation): Promise<{ ok: true } | { ok: false; code: string }> {
  try {
    await conversation.result;
    return { ok: true };
  } catch (err) {
    return { ok: false, code: err instanceof CommsError ? err.code : String(err) };
  }
}

describe('scale-out: replicas sharing an inbox on mosquitto (docs/scaling.md)', function () {
  const mosquitto = mosquittoForSuite('comms-scaling-');

  it('3 arangodb replicas share 30 requests: each replica answers some, every request is answered once', async () => {
    const url = mosquitto.url();
    const replicas = [1, 2, 3].map((replica) => createArangodbActor({ url, replica, outDir: join(mosquitto.dir(), 'ingest'), arango: false, logger }));
    for (const replica of replicas) await replica.start();
    const requester = await new Actor({ name: 'share-client', url, logger }).start();
    const watch = await replyCounter(url, requester.clientId);
    try {
      expect(replicas.map((r) => r.clientId)).to.deep.equal(['arangodb-r1', 'arangodb-r2', 'arangodb-r3']);
      expect(replicas[0]?.filters).to.include(sharedInbox('arangodb'));
      // One attempt each: a re-send could reach another replica, which would answer again.
      const conversations = Array.from({ length: 30 }, () => requester.request('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {}, { ackTimeoutMs: 60_000, maxAttempts: 1, timeoutMs: 60_000 }));
      await Promise.all(conversations.map((c) => c.result));
      const byReplica = new Map<string, number>();
      for (const c of conversations) byReplica.set(c.holderTopic ?? 'none', (byReplica.get(c.holderTopic ?? 'none') ?? 0) + 1);
      expect([...byReplica.keys()].sort()).to.deep.equal(replicas.map((r) => r.replyTopic).sort());
      await until(
        (check) => {
          watch.client.on('message', check);
          return () => watch.client.off('message', check);
        },
        () => (watch.replies.size === 30 ? true : undefined),
      );
      for (const replica of replicas) await replica.stop();
      expect(conversations.map((c) => watch.replies.get(c.requestId))).to.deep.equal(conversations.map(() => 1));
    } finally {
      await watch.client.endAsync();
      await requester.stop();
      for (const replica of replicas) await replica.stop();
    }
  });

  it('the module stays online while any replica is; the last one to stop marks it offline', async () => {
    const url = mosquitto.url();
    const replicas = [1, 2].map((replica) => createArangodbActor({ url, replica, outDir: join(mosquitto.dir(), 'ingest'), arango: false, logger }));
    for (const replica of replicas) await replica.start();
    const watcher = await new Actor({ name: 'presence-watch', url, logger }).start();
    const states: string[] = [];
    watcher.on('peer-status', (module, state) => {
      if (module === 'arangodb') states.push(state);
    });
    try {
      await (replicas[0] as Actor).stop();
      await (replicas[1] as Actor).stop();
      await until(
        (check) => {
          watcher.on('peer-status', check);
          return () => watcher.off('peer-status', check);
        },
        () => (states.includes('offline') ? true : undefined),
      );
      // The first replica to stop saw the second online, so it left the module status alone.
      expect(states.filter((s) => s === 'offline')).to.have.length(1);
    } finally {
      await watcher.stop();
    }
  });

  it("cancels and inputs go to the replica that holds the request (named in its answers' replyTo), not to the shared inbox", async () => {
    const url = mosquitto.url();
    const gate = deferred();
    const started: HandlerContext[] = [];
    const greet = defineQuery({
      schema: 'greet@1',
      description: 'Asks for a name, then greets.',
      request: Type.Object({}),
      responseSchemaId: 'greeting@1',
      response: Type.Object({ greeting: Type.String() }),
      handle: async (_body, ctx) => ({ greeting: `hello ${String(await ctx.askInput('name?'))}` }),
    });
    const replicas = [1, 2, 3].map((replica) => new Actor({ name: 'greeter', url, replica, logger }).handle(greet).handle(echoQuery('greeter', { gate: gate.promise, onStart: (ctx) => started.push(ctx) })));
    for (const replica of replicas) await replica.start();
    const requester = await new Actor({ name: 'follow-client', url, logger }).start();
    try {
      // Inputs: on the shared inbox two of three would reach a replica that never saw the request (E_NOT_FOUND).
      const greetings = Array.from({ length: 6 }, (_, i) => {
        const conversation = requester.request<{ greeting: string }>('greeter', 'greet@1', {}, { maxAttempts: 1, ackTimeoutMs: 60_000 });
        conversation.on('input-required', () => conversation.provideInput(`ada-${i}`));
        return conversation;
      });
      expect(await Promise.all(greetings.map((c) => c.result))).to.deep.equal(greetings.map((_, i) => ({ greeting: `hello ada-${i}` })));
      expect(new Set(greetings.map((c) => c.holderTopic)).size).to.equal(3);
      // Cancels: every held handler's signal aborts.
      const echoes = Array.from({ length: 6 }, () => requester.request('greeter', 'echo@1', { text: 'wait' }, { maxAttempts: 1, ackTimeoutMs: 60_000 }));
      await until(
        (check) => {
          for (const c of echoes) c.on('state', check);
          return () => echoes.forEach((c) => c.off('state', check));
        },
        () => (echoes.every((c) => c.state === 'working') && started.length === 6 ? true : undefined),
      );
      for (const c of echoes) c.cancel('test');
      await Promise.all(started.map((ctx) => (ctx.signal.aborted ? undefined : new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true })))));
      expect(started.map((ctx) => (ctx.signal.reason as CommsError).code)).to.deep.equal(started.map(() => 'E_CANCELED'));
    } finally {
      gate.resolve();
      await requester.stop();
      for (const replica of replicas) await replica.stop();
    }
  });

  it('the recorder ends the conversations a replica asked when that replica is lost (its will on its replica status)', async () => {
    const url = mosquitto.url();
    const recorder = createRecorder({ url, dbPath: join(mosquitto.dir(), 'reap.db'), logger });
    await recorder.start();
    const gate = deferred();
    const slow = await new Actor({ name: 'slow', url, logger }).handle(echoQuery('slow', { gate: gate.promise })).start();
    const asker = await new Actor({ name: 'asker', url, replica: 1, logger }).start();
    try {
      const conversation = asker.request('slow', 'echo@1', { text: 'held' }, { ackTimeoutMs: 60_000 });
      const recordedState = (state: string) =>
        until(
          (check) => {
            recorder.events.on('recorded', check);
            return () => recorder.events.off('recorded', check);
          },
          () => {
            const found = recorder.queries.listConversations().find((c) => c.id === conversation.id);
            return found?.state === state ? found : undefined;
          },
        );
      await recordedState('working');
      await asker.kill();
      const ended = await recordedState('canceled');
      expect(ended.error?.code).to.equal('E_PEER_LOST');
    } finally {
      gate.resolve();
      await slow.stop();
      await recorder.stop();
    }
  });

  it('comms up --url <mosquitto> --replicas marker=3 runs three marker replicas that answer through the CLI', async () => {
    const url = mosquitto.url();
    const data = join(mosquitto.dir(), 'up-data');
    const up = spawn(process.execPath, [commsBin, 'up', '--url', url, '--insecure', '--no-dashboard', '--data', data, '--replicas', 'marker=3'], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } });
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        up.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('comms up: external broker')) resolve();
        });
        up.once('exit', (code) => reject(new Error(`comms up exited with ${code}: ${out}`)));
      });
      const watcher = await mqtt.connectAsync(url, { clientId: 'up-replica-watch', protocolVersion: 4 });
      const online = new Set<string>();
      watcher.on('message', (topic, payload) => {
        if (payload.length > 0 && (JSON.parse(payload.toString()) as Envelope<{ state: string }>).body.state === 'online') online.add(topic);
      });
      await watcher.subscribeAsync(Topics.filters.allReplicaStatus, { qos: 1 });
      const wanted = ['marker-r1', 'marker-r2', 'marker-r3'].map((id) => Topics.replicaStatus(id));
      await until(
        (check) => {
          watcher.on('message', check);
          return () => watcher.off('message', check);
        },
        () => (wanted.every((t) => online.has(t)) ? true : undefined),
      );
      await watcher.endAsync();
      const ask = await commsRun(['ask', 'marker', PDF_CONVERT_SCHEMA_ID, JSON.stringify({ path: await samplePath('sample.pdf', join(data, 'inputs')), ingest: false }), '--url', url]);
      expect(ask.code, ask.stderr).to.equal(0);
      expect(ask.stdout).to.contain('"pageCount"');
    } finally {
      const exited = new Promise((resolve) => up.once('exit', resolve));
      up.kill('SIGTERM');
      await exited;
    }
  });

  describe('a replica SIGKILLed while it holds conversions', function () {
    // Three child processes start and a retried conversion may wait out the 20 s ack period: on a
    // loaded 2-core machine that overran mocha's default 30 s (no figure here is a timing assertion).
    this.timeout(120_000);
    let arangodb: Actor;
    let recorder: Recorder;
    let long: string;

    before(async () => {
      recorder = createRecorder({ url: mosquitto.url(), dbPath: join(mosquitto.dir(), 'kill.db'), logger });
      await recorder.start();
      arangodb = await createArangodbActor({ url: mosquitto.url(), outDir: join(mosquitto.dir(), 'ingest'), arango: false, logger }).start();
      long = await samplePath('long.pdf', join(mosquitto.dir(), 'samples'));
    });

    after(async () => {
      await arangodb.stop();
      await recorder.stop();
    });

    /** Three marker replicas in their own processes, six conversions; replica 2 is killed once it holds one. */
    async function killMidFlow(requesterName: string, retryOnReplicaLoss: boolean) {
      const url = mosquitto.url();
      const children = [await markerReplica(url, 1, dirname(long)), await markerReplica(url, 2, dirname(long)), await markerReplica(url, 3, dirname(long))];
      const victim = children[1] as ChildProcess;
      const requester = await new Actor({ name: requesterName, url, logger }).start();
      const watch = await replyCounter(url, requester.clientId);
      try {
        // Grace and deadline far beyond the test's time: an E_PEER_LOST can only come from the replica's own lost status.
        const options = { timeoutMs: 600_000, peerGraceMs: 600_000, ackTimeoutMs: 20_000, retryOnReplicaLoss };
        const conversations = Array.from({ length: 6 }, () => requester.request('marker', PDF_CONVERT_SCHEMA_ID, { path: long, ingest: false }, options));
        const victimTopic = Topics.replies('marker-r2');
        const held = await new Promise<Conversation[]>((resolve) => {
          const check = () => {
            const now = conversations.filter((c) => c.holderTopic === victimTopic && c.state === 'working');
            if (now.length > 0) resolve(now);
          };
          for (const c of conversations) c.on('progress', check);
        });
        victim.kill('SIGKILL');
        const outcomes = await Promise.all(conversations.map(outcome));
        return { conversations, held, outcomes, replies: watch.replies };
      } finally {
        await watch.client.endAsync();
        await requester.stop();
        for (const child of children) child.kill('SIGTERM');
        await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
      }
    }

    it('fails the conversations it held at once with E_PEER_LOST; the others complete, none is answered twice', async () => {
      const { conversations, held, outcomes, replies } = await killMidFlow('kill-client', false);
      expect(held.length).to.be.greaterThan(0);
      // Held by the victim (acknowledged before it died, also after the kill was decided): failed; everything else completed,
      // including requests the victim never acknowledged (re-sent through the shared inbox after the ack timeout).
      const expected = conversations.map((c) => (c.holderTopic === Topics.replies('marker-r2') ? { ok: false, code: 'E_PEER_LOST' } : { ok: true }));
      expect(outcomes).to.deep.equal(expected);
      for (const c of conversations) expect(replies.get(c.requestId) ?? 0).to.be.at.most(1);
    });

    it('with retryOnReplicaLoss (an idempotent query) sends them again to a live replica: all complete', async () => {
      const { conversations, held, outcomes, replies } = await killMidFlow('retry-client', true);
      expect(held.length).to.be.greaterThan(0);
      expect(outcomes).to.deep.equal(conversations.map(() => ({ ok: true })));
      for (const c of held) {
        expect(c.holderTopic).to.not.equal(Topics.replies('marker-r2'));
        expect(c.snapshot().attempts).to.be.greaterThan(1);
      }
      for (const c of conversations) expect(replies.get(c.requestId)).to.equal(1);
      // The recorder keeps each attempt of a re-sent conversation, up to its completion.
      for (const c of held) {
        const types = await until(
          (check) => {
            recorder.events.on('recorded', check);
            return () => recorder.events.off('recorded', check);
          },
          () => {
            const events = recorder.queries.getConversationEvents(c.id).map((e) => e.event);
            return events.some((e) => e.state === 'completed') ? events : undefined;
          },
        );
        expect(types.filter((e) => e.type === 'attempt').map((e) => e.attempt)).to.include(2);
      }
    });
  });
});

describe('the generated mosquitto ACL and replicas', function () {
  it("lets a module's replicas take their shared inbox and publish their own status; a stranger in the share group reads nothing", async function () {
    if (!MOSQUITTO) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'comms-scaling-acl-'));
    const port = await freePort();
    const runAs = process.getuid?.() === 0 ? 'root' : undefined;
    const written = await writeMosquittoConfig({ dataDir: join(dir, 'data'), modules: ['arangodb', 'client'], outDir: join(dir, 'mosquitto'), port, runAs });
    const passwords = (JSON.parse(readFileSync(join(dir, 'data', 'secrets.json'), 'utf8')) as { passwords: Record<string, string> }).passwords;
    const broker = await startMosquittoWithConfig(written.configPath, port);
    const login = (user: string) => ({ url: broker.url, username: user, password: passwords[user] as string, logger });
    const replicas = [1, 2].map((replica) => createArangodbActor({ ...login('arangodb'), replica, outDir: join(dir, 'ingest'), arango: false }));
    const requester = new Actor({ name: 'client', ...login('client') });
    const raw = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'client-raw', username: 'client', password: passwords.client, reconnectPeriod: 0 });
    try {
      for (const replica of replicas) await replica.start();
      await requester.start();
      const answers = await Promise.all([1, 2, 3, 4].map(() => requester.request('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {}, { maxAttempts: 1, ackTimeoutMs: 60_000 })).map(async (c) => (await c.result, c.holderTopic)));
      expect(new Set(answers)).to.deep.equal(new Set(replicas.map((r) => r.replyTopic)));
      // Another user never reads arangodb's requests: mosquitto 2.0 grants the $share SUBSCRIBE but applies the read ACL on delivery.
      const stolen: string[] = [];
      raw.on('message', (topic) => stolen.push(topic));
      await raw.subscribeAsync(sharedInbox('arangodb'), { qos: 1 });
      const more = [1, 2, 3, 4, 5, 6].map(() => requester.request('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {}, { ackTimeoutMs: 1_000 }));
      // A request mosquitto handed to the stranger is dropped by the ACL: the requester's re-send after the ack timeout completes it.
      expect(await Promise.all(more.map(outcome))).to.deep.equal(more.map(() => ({ ok: true })));
      expect(stolen).to.deep.equal([]);
      const acl = readFileSync(written.aclPath, 'utf8');
      expect(acl).to.contain(`topic read ${sharedInbox('arangodb')}`).and.to.contain(`topic write ${Topics.replicaStatus('arangodb-r16')}`);
      expect(acl).to.not.contain(Topics.replicaStatus('arangodb-r17'));
      // Each actor user reads its own module's shared inbox and no other.
      expect(acl.split('\n').filter((line) => line.includes('$share'))).to.deep.equal([`topic read ${sharedInbox('arangodb')}`, `topic read ${sharedInbox('client')}`]);
    } finally {
      await raw.endAsync(true);
      await requester.stop();
      for (const replica of replicas) await replica.stop();
      broker.process.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('replicas on the embedded aedes broker are refused (E_REPLICAS_UNSUPPORTED)', () => {
  it('an actor started as a replica: the broker refuses $share and the error says to use mosquitto', async () => {
    const bus = await busFixture();
    try {
      const replica = bus.actor({ name: 'worker', replica: 1 });
      const err = await replica.start().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(CommsError);
      expect((err as CommsError).code).to.equal('E_REPLICAS_UNSUPPORTED');
      expect((err as CommsError).message).to.contain('mosquitto').and.to.contain('--url');
    } finally {
      await bus.close();
    }
  });

  it('startSystem without a broker URL refuses replicas before starting anything', async () => {
    const data = mkdtempSync(join(tmpdir(), 'comms-scaling-sys-'));
    try {
      const err = await startSystem({ dataDir: data, port: 0, wsPort: 0, brokerState: 'memory', replicas: { marker: 3 }, logger }).then(
        async (system) => {
          await system.stop();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect((err as CommsError).code).to.equal('E_REPLICAS_UNSUPPORTED');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('comms up --replicas without --url, and a malformed --replicas, fail with a clear error', async () => {
    const data = mkdtempSync(join(tmpdir(), 'comms-scaling-cli-'));
    try {
      const refused = expectCliError(await commsRun(['up', '--data', data, '--insecure', '--port', '0', '--ws-port', '0', '--no-dashboard', '--replicas', 'marker=3']), 'E_REPLICAS_UNSUPPORTED');
      expect(refused.message).to.contain('--url');
      const malformed = expectCliError(await commsRun(['up', '--data', data, '--replicas', 'recorder=2']), 'E_USAGE');
      expect(malformed.message).to.contain('recorder=2');
      expectCliError(await commsRun(['actor', 'orchestrator', '--replica', '2']), 'E_USAGE');
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
