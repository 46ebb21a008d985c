import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import { Actor } from '../actors/runtime/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { createEnvelope, encodeEnvelope, eventEnvelope, Topics, type ConversationEvent, type DeadLetter, type Envelope } from '../protocol/index.ts';
import { ensureCredentials, RolePolicy, type EnsuredCredentials } from '../security/index.ts';
import { MessageRecorder, openWriter } from '../storage/index.ts';
import { deferred, echoQuery, until } from './support/bus-fixture.ts';

/**
 * Issue 10's "who speaks" rows, as user `evil` (role actor) on the embedded broker with the role
 * policy: the broker lets evil publish into inboxes, reply topics and conversation topics (with
 * `from: evil`), so each party's own check is what keeps the conversation intact.
 */
describe('who speaks: forged cancels, replies, events and retained messages', function () {
  let dir: string;
  let creds: EnsuredCredentials;
  let broker: EmbeddedBroker;
  const denials: string[] = [];
  const actors: Actor[] = [];
  const clients: MqttClient[] = [];
  const pw = (user: string): string => creds.passwords[user] ?? expect.fail(`no password for ${user}`);
  const actor = (name: string): Actor => {
    const a = new Actor({ name, url: broker.url, username: name, password: pw(name), logger: createLogger(name, 'silent') });
    actors.push(a);
    return a;
  };
  const raw = async (user: string, clientId: string): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId, username: user, password: pw(user), reconnectPeriod: 0 });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };
  /** The first message on `topic` whose parsed envelope passes `match`. */
  const nextOn = <T>(client: MqttClient, topic: string, match: (e: Envelope<T>) => boolean = () => true): Promise<Envelope<T>> =>
    new Promise((resolve) => {
      const onMessage = (t: string, payload: Buffer) => {
        if (t !== topic || payload.length === 0) return;
        const envelope = JSON.parse(payload.toString()) as Envelope<T>;
        if (!match(envelope)) return;
        client.off('message', onMessage);
        resolve(envelope);
      };
      client.on('message', onMessage);
    });
  const closed = (client: MqttClient): Promise<void> => new Promise((resolve) => client.once('close', () => resolve()));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-who-speaks-'));
    creds = await ensureCredentials(join(dir, 'credentials.json'), ['alpha', 'beta', 'evil']);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    denials.length = 0;
    broker = await startBroker({ port: 0, access: new RolePolicy(creds.credentials), onDenied: (what) => denials.push(what) });
  });
  afterEach(async () => {
    await Promise.all(actors.splice(0).map((a) => a.stop().catch(() => {})));
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
    await broker.close();
  });

  /** beta answers echo@1 once released; alpha asks it; evil reads the request id from the conversation's events, as anyone may. */
  async function conversationUnderAttack() {
    const gate = deferred();
    await actor('beta').handle(echoQuery('beta', { gate: gate.promise })).start();
    const alpha = await actor('alpha').start();
    const evil = await raw('evil', 'evil');
    await evil.subscribeAsync(Topics.filters.allConversationEvents, { qos: 1 });
    const watcher = await raw('observer', 'observer-who');
    await watcher.subscribeAsync(Topics.filters.allDeadletters, { qos: 1 });
    const firstEvent = new Promise<Envelope<ConversationEvent>>((resolve) =>
      evil.on('message', (topic, payload) => {
        if (topic.endsWith('/events')) resolve(JSON.parse(payload.toString()) as Envelope<ConversationEvent>);
      }),
    );
    const conversation = alpha.request<{ text: string; handledBy: string }>('beta', 'echo@1', { text: 'real' }, { timeoutMs: 30_000 });
    const event = await firstEvent;
    return { gate, alpha, evil, watcher, conversation, requestId: event.body.requestId, conversationId: event.conversationId };
  }

  it("a forged cancel for someone else's request id does not cancel it: beta dead-letters it and the real answer arrives", async () => {
    const { gate, evil, watcher, conversation, requestId, conversationId } = await conversationUnderAttack();
    const letter = nextOn<DeadLetter>(watcher, Topics.deadletter('beta'));
    const cancel = createEnvelope({ kind: 'cancel', from: 'evil', to: 'beta', conversationId, correlationId: requestId, schema: 'cancel@1', body: { reason: 'forged' } });
    await evil.publishAsync(Topics.moduleInbox('beta'), encodeEnvelope(cancel), { qos: 1 });
    // Without the check the cancel ends the conversation E_CANCELED instead of producing a dead letter.
    const outcome = await Promise.race([letter, conversation.result.then(() => undefined, (err: unknown) => err)]);
    expect(outcome, 'the forged cancel must be dead-lettered, not applied').to.have.property('schema', 'deadletter@1');
    expect((outcome as Envelope<DeadLetter>).body.reason.code).to.equal('E_FORGED');
    gate.resolve();
    expect(await conversation.result).to.deep.equal({ text: 'real', handledBy: 'beta' });
    expect(denials).to.deep.equal([]);
  });

  it("a forged reply and a forged error on the requester's reply topic are ignored; the real result arrives", async () => {
    const { gate, alpha, evil, watcher, conversation, requestId, conversationId } = await conversationUnderAttack();
    const letters: Array<Envelope<DeadLetter>> = [];
    const twoLetters = until(
      (check) => {
        const onMessage = (topic: string, payload: Buffer) => {
          if (topic === Topics.deadletter('alpha')) letters.push(JSON.parse(payload.toString()) as Envelope<DeadLetter>);
          check();
        };
        watcher.on('message', onMessage);
        return () => watcher.off('message', onMessage);
      },
      () => (letters.length >= 2 ? letters : undefined),
    );
    const common = { from: 'evil', to: 'alpha', conversationId, correlationId: requestId };
    const forgedReply = createEnvelope({ ...common, kind: 'reply', schema: 'echo.answer@1', body: { text: 'requirements version 6.6.6', handledBy: 'beta' } });
    const forgedError = createEnvelope({ ...common, kind: 'error', schema: 'error@1', body: { code: 'E_HANDLER_FAILED', message: 'forged' } });
    // The reply topic is named by the client id on alpha's retained card.
    await evil.publishAsync(alpha.replyTopic, encodeEnvelope(forgedReply), { qos: 1 });
    await evil.publishAsync(alpha.replyTopic, encodeEnvelope(forgedError), { qos: 1 });
    const outcome = await Promise.race([twoLetters, conversation.result.then((r) => r, (err: unknown) => err)]);
    expect(outcome, 'both forgeries must be dead-lettered, not applied').to.equal(letters);
    expect(letters.map((l) => l.body.reason.code)).to.deep.equal(['E_FORGED', 'E_FORGED']);
    expect(conversation.state).to.not.be.oneOf(['completed', 'failed']);
    gate.resolve();
    expect(await conversation.result).to.deep.equal({ text: 'real', handledBy: 'beta' });
  });

  it("an error reflected through beta by a request carrying alpha's request id and replyTo is ignored by alpha", async () => {
    const { gate, alpha, evil, watcher, conversation, requestId, conversationId } = await conversationUnderAttack();
    const letter = nextOn<DeadLetter>(watcher, Topics.deadletter('alpha'));
    // Misaddressed on purpose: beta answers E_MISADDRESSED from beta, to evil, on alpha's reply topic, correlated to alpha's request.
    const bait = createEnvelope({ id: requestId, kind: 'request', from: 'evil', to: 'gamma', conversationId, replyTo: alpha.replyTopic, schema: 'echo@1', body: { text: 'x' } });
    await evil.publishAsync(Topics.moduleInbox('beta'), encodeEnvelope(bait), { qos: 1 });
    const outcome = await Promise.race([letter, conversation.result.then((r) => r, (err: unknown) => err)]);
    expect(outcome).to.have.property('schema', 'deadletter@1');
    gate.resolve();
    expect(await conversation.result).to.deep.equal({ text: 'real', handledBy: 'beta' });
  });

  it('a forged conversation.event@1 with a high seq leaves the recorded row alone and is recorded as rejected with the reason', async () => {
    const recorder: Recorder = createRecorder({ dbPath: join(dir, `comms-${Date.now()}.db`), url: broker.url, username: 'recorder', password: pw('recorder'), logger: createLogger('recorder', 'silent') });
    actors.push(recorder.actor);
    await recorder.start();
    await actor('beta').handle(echoQuery('beta')).start();
    const alpha = await actor('alpha').start();
    const conversation = alpha.request('beta', 'echo@1', { text: 'real' });
    await conversation.result;
    const recorded = () => recorder.queries.getTaskStatus(conversation.id);
    await until(
      (check) => (recorder.events.on('recorded', check), () => recorder.events.off('recorded', check)),
      () => (safe(recorded)?.state === 'completed' ? true : undefined),
    );
    const before = recorded();

    const evil = await raw('evil', 'evil');
    const body: ConversationEvent = { type: 'state', state: 'failed', requester: 'evil', responder: 'nobody', query: 'echo@1', requestId: conversation.requestId, attempt: 1, error: { code: 'E_HANDLER_FAILED', message: 'forged' } };
    const forged = eventEnvelope({ from: 'evil', conversationId: conversation.id, seq: 9999, schema: 'conversation.event@1', body });
    // The same event naming the real parties, still from evil.
    const posing = eventEnvelope({ from: 'evil', conversationId: conversation.id, seq: 10_000, schema: 'conversation.event@1', body: { ...body, requester: 'alpha', responder: 'beta' } });
    const outcomes = new Map<string, boolean>();
    const both = until(
      (check) => {
        const onRecorded = (topic: string, outcome: { valid: boolean }) => {
          if (topic === Topics.conversationEvents(conversation.id)) outcomes.set(String(outcomes.size), outcome.valid);
          check();
        };
        recorder.events.on('recorded', onRecorded);
        return () => recorder.events.off('recorded', onRecorded);
      },
      () => (outcomes.size >= 2 ? [...outcomes.values()] : undefined),
    );
    await evil.publishAsync(Topics.conversationEvents(conversation.id), encodeEnvelope(forged), { qos: 1 });
    await evil.publishAsync(Topics.conversationEvents(conversation.id), encodeEnvelope(posing), { qos: 1 });
    expect(await both).to.deep.equal([false, false]);

    const after = recorded();
    expect(after).to.deep.include({ state: 'completed', requester: 'alpha', responder: 'beta' });
    expect(after.updatedAt).to.equal(before.updatedAt);
    const seqs = recorder.queries.getConversationEvents(conversation.id).map((e) => e.seq);
    expect(seqs).to.not.include(9999);
    expect(seqs).to.not.include(10_000);
    const rejected = recorder.queries.getConversationMessages(conversation.id).filter((m) => !m.valid);
    expect(rejected.map((m) => m.messageId)).to.have.members([forged.id, posing.id]);
    for (const m of rejected) {
      expect(m.errorCode).to.equal('E_FORGED');
      expect(m.errorMessage).to.match(/from evil/);
    }
  });

  it("refuses a retained message into a module's inbox: the publisher is disconnected and nothing is kept for later subscribers", async () => {
    const evil = await raw('evil', 'evil');
    const gone = closed(evil);
    const request = createEnvelope({ kind: 'request', from: 'evil', to: 'beta', conversationId: 'c-retained', replyTo: Topics.replies('evil'), schema: 'echo@1', body: { text: 'kept?' } });
    evil.publish(Topics.moduleInbox('beta'), encodeEnvelope(request), { qos: 1, retain: true }, () => {});
    await gone;
    expect(denials.some((d) => d.includes('evil') && d.includes('modules/beta/inbox'))).to.equal(true);
    const kept = await retainedTopics(broker);
    expect(kept).to.not.include(Topics.moduleInbox('beta'));
    // A module's own card stays retainable.
    await actor('beta').handle(echoQuery('beta')).start();
    expect(await retainedTopics(broker)).to.include(Topics.moduleCard('beta'));
  });

  it("refuses a retained snapshot on someone else's conversation state, and a retained reply", async () => {
    const alphaRaw = await raw('alpha', 'alpha');
    const snapshot = eventEnvelope({ from: 'alpha', conversationId: 'c-owned', seq: 1, schema: 'conversation.state@1', body: {} });
    await alphaRaw.publishAsync(Topics.conversationEvents('c-owned'), encodeEnvelope(snapshot), { qos: 1 });
    await alphaRaw.publishAsync(Topics.conversationState('c-owned'), encodeEnvelope(snapshot), { qos: 1, retain: true });
    const evil = await raw('evil', 'evil');
    const gone = closed(evil);
    const forged = eventEnvelope({ from: 'evil', conversationId: 'c-owned', seq: 99, schema: 'conversation.state@1', body: {} });
    evil.publish(Topics.conversationState('c-owned'), encodeEnvelope(forged), { qos: 1, retain: true }, () => {});
    await gone;
    const other = await raw('evil', 'evil-2');
    const gone2 = closed(other);
    other.publish(Topics.replies('alpha'), encodeEnvelope(forged), { qos: 1, retain: true }, () => {});
    await gone2;
    expect(denials.filter((d) => d.includes('evil'))).to.have.length(2);
    expect(await retainedTopics(broker)).to.include(Topics.conversationState('c-owned')).and.not.include(Topics.replies('alpha'));
  });
});

describe('who speaks: the receiving side ignores retained requests (a broker without the policy)', () => {
  it('an Actor ignores a retained request in its inbox; the recorder records it as rejected', async () => {
    const broker = await startBroker({ port: 0 });
    const dir = await mkdtemp(join(tmpdir(), 'comms-who-speaks-open-'));
    const actors: Actor[] = [];
    try {
      const texts: string[] = [];
      const publisher = new Actor({ name: 'alpha', url: broker.url, logger: createLogger('alpha', 'silent') });
      actors.push(publisher);
      await publisher.start();
      const stale = createEnvelope({ kind: 'request', from: 'alpha', to: 'beta', conversationId: 'c-stale', replyTo: publisher.replyTopic, schema: 'echo@1', body: { text: 'stale' } });
      await publisher.publish(Topics.moduleInbox('beta'), stale, { retain: true });
      const beta = new Actor({ name: 'beta', url: broker.url, logger: createLogger('beta', 'silent') }).handle(
        echoQuery('beta', { onStart: (ctx) => texts.push((ctx.request.body as { text: string }).text) }),
      );
      actors.push(beta);
      await beta.start();
      // The retained copy reached beta at subscribe time, before this request on the same connection.
      expect(await publisher.ask('beta', 'echo@1', { text: 'fresh' })).to.deep.equal({ text: 'fresh', handledBy: 'beta' });
      expect(texts).to.deep.equal(['fresh']);

      const db = openWriter(join(dir, 'comms.db'));
      const outcome = new MessageRecorder(db).record({ topic: Topics.moduleInbox('beta'), payload: encodeEnvelope(stale), retained: true });
      expect(outcome).to.deep.equal({ stored: true, valid: false });
      expect(db.prepare('SELECT error_code FROM messages').get()).to.deep.equal({ error_code: 'E_FORGED' });
      expect(db.prepare('SELECT COUNT(*) AS n FROM conversations').get()).to.deep.equal({ n: 0 });
      db.close();
    } finally {
      await Promise.all(actors.map((a) => a.stop().catch(() => {})));
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('who speaks: the recorder and the role policy, rule by rule', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-who-speaks-rules-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the recorder applies replies, cancels, statuses and state snapshots only from who may say them', () => {
    const db = openWriter(join(dir, 'rules.db'));
    const recorder = new MessageRecorder(db);
    const put = (topic: string, envelope: Envelope, retained = false) => recorder.record({ topic, payload: encodeEnvelope(envelope), retained });
    const request = createEnvelope({ kind: 'request', from: 'alpha', to: 'beta', conversationId: 'c1', replyTo: Topics.replies('alpha'), schema: 'echo@1', body: { text: 'x' } });
    expect(put(Topics.moduleInbox('beta'), request).valid).to.equal(true);
    const reply = (from: string) => createEnvelope({ kind: 'reply', from, to: 'alpha', conversationId: 'c1', correlationId: request.id, schema: 'echo.answer@1', body: {} });
    const forgedReply = reply('evil');
    expect(put(Topics.replies('alpha'), forgedReply).valid).to.equal(false);
    const realReply = reply('beta');
    expect(put(Topics.replies('alpha'), realReply).valid).to.equal(true);
    expect(db.prepare('SELECT result_message_id AS r FROM conversations WHERE id = ?').get('c1')).to.deep.equal({ r: realReply.id });
    const cancel = (from: string) => createEnvelope({ kind: 'cancel', from, to: 'beta', conversationId: 'c1', correlationId: request.id, schema: 'cancel@1', body: {} });
    expect(put(Topics.moduleInbox('beta'), cancel('evil')).valid).to.equal(false);
    expect(put(Topics.moduleInbox('beta'), cancel('alpha')).valid).to.equal(true);
    const status = eventEnvelope({ from: 'evil', conversationId: 's1', schema: 'module.status@1', body: { state: 'lost', sessionId: 's1', clientId: 'beta', at: new Date().toISOString() } });
    expect(put(Topics.moduleStatus('beta'), status, true).valid).to.equal(false);
    const state = (from: string) => eventEnvelope({ from, conversationId: 'c1', seq: 5, schema: 'conversation.state@1', body: { requester: 'alpha', responder: 'beta' } });
    expect(put(Topics.conversationState('c1'), state('evil'), true).valid).to.equal(false);
    expect(put(Topics.conversationState('c1'), state('alpha'), true).valid).to.equal(true);
    // An event published on another conversation's topic than the one it names.
    const elsewhere = eventEnvelope({ from: 'alpha', conversationId: 'c1', seq: 6, schema: 'conversation.event@1', body: { type: 'state', state: 'failed', requester: 'alpha', responder: 'beta', query: 'echo@1', requestId: request.id, attempt: 1 } });
    expect(put(Topics.conversationEvents('c2'), elsewhere).valid).to.equal(false);
    const codes = db.prepare('SELECT error_code AS code FROM messages WHERE valid = 0').all() as Array<{ code: string }>;
    expect(codes.map((c) => c.code)).to.deep.equal(['E_FORGED', 'E_FORGED', 'E_FORGED', 'E_FORGED', 'E_FORGED']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM modules').get()).to.deep.equal({ n: 0 });
    db.close();
  });

  it('the role policy refuses retained publishes outside cards, statuses and state snapshots, and state by a non-owner', async () => {
    const credentials = await ensureCredentials(join(dir, 'credentials.json'), ['alpha', 'evil', 'orchestrator']);
    const policy = new RolePolicy(credentials.credentials);
    const principal = (username: string, role: 'actor' | 'admin') => ({ username, role, ...(role === 'actor' ? { module: username } : {}) });
    const alpha = principal('alpha', 'actor');
    const evil = principal('evil', 'actor');
    const admin = principal('admin', 'admin');
    const note = (from: string) => encodeEnvelope(eventEnvelope({ from, conversationId: 'x', schema: 'test.note@1', body: {} }));
    const may = (p: typeof alpha, topic: string, retain: boolean, payload = note(p.username)) => policy.canPublish(p, topic, p.username, payload, retain);
    expect(may(alpha, Topics.moduleCard('alpha'), true)).to.equal(true);
    expect(may(alpha, Topics.moduleStatus('alpha'), true)).to.equal(true);
    expect(may(alpha, Topics.moduleInbox('beta'), true)).to.equal(false);
    expect(may(alpha, Topics.moduleInbox('beta'), false)).to.equal(true);
    expect(may(alpha, Topics.replies('beta'), true)).to.equal(false);
    expect(may(alpha, Topics.conversationEvents('c1'), true)).to.equal(false);
    expect(may(alpha, Topics.conversationEvents('c1'), false)).to.equal(true);
    expect(may(alpha, Topics.conversationState('c1'), true)).to.equal(true);
    expect(may(evil, Topics.conversationState('c1'), true)).to.equal(false);
    expect(may(evil, Topics.conversationState('c1'), false)).to.equal(false);
    expect(may(evil, Topics.conversationEvents('c1'), false), 'events pass the broker; receivers check them').to.equal(true);
    expect(may(admin, Topics.moduleInbox('beta'), true)).to.equal(false);
    expect(may(admin, Topics.moduleInbox('beta'), true, Buffer.alloc(0)), 'admin clears a retained message').to.equal(true);
    expect(may(admin, Topics.moduleCard('beta'), true)).to.equal(true);
  });
});

function safe<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Every topic the broker keeps a retained message for. */
async function retainedTopics(broker: EmbeddedBroker): Promise<string[]> {
  const topics: string[] = [];
  // aedes's types leave `persistence` out; its retained stream is what a new subscriber would be sent.
  const store = (broker.aedes as unknown as { persistence: { createRetainedStream(pattern: string): AsyncIterable<{ topic: string }> } }).persistence;
  for await (const packet of store.createRetainedStream('#')) topics.push(packet.topic);
  return topics;
}
