import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { samplePath } from '../samples/index.ts';
import mqtt, { type MqttClient } from 'mqtt';
import { createArangodbActor } from '../actors/arangodb/index.ts';
import { createMarkerActor } from '../actors/marker/index.ts';
import { Actor } from '../actors/runtime/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { createLogger } from '../logging/index.ts';
import { createEnvelope, encodeEnvelope, eventEnvelope, RECORDER_QUERY_IDS, TOPIC_TEMPLATES, topicMatches, Topics, type ConversationEvent, type DeadLetter, type Envelope } from '../protocol/index.ts';
import { PDF_CONVERT_SCHEMA_ID, PDF_REQUIREMENTS_QUERY_SCHEMA_ID } from '../protocol/pdf/index.ts';
import { aclRules, ensureCredentials, RolePolicy, writeMosquittoConfig, type MosquittoConfig, type RolePrincipal } from '../security/index.ts';
import { deferred, echoQuery, until } from './support/bus-fixture.ts';
import { freePort, MOSQUITTO, startMosquittoWithConfig } from './support/mosquitto.ts';

type Mosquitto = Awaited<ReturnType<typeof startMosquittoWithConfig>>;

/** The recorder's status of a conversation once it has recorded it completed. */
function recordedCompleted(recorder: Recorder, conversationId: string) {
  return until(
    (check) => (recorder.events.on('recorded', check), () => recorder.events.off('recorded', check)),
    () => {
      try {
        const status = recorder.queries.getTaskStatus(conversationId);
        return status.state === 'completed' ? status : undefined;
      } catch {
        return undefined; // not recorded yet
      }
    },
  );
}

const repo = fileURLToPath(new URL('..', import.meta.url));
const cliArgs = (args: string[]) => [join(repo, 'bin', 'comms.js'), ...args];
const cliEnv = { ...process.env, COMMS_LOG_LEVEL: 'silent' };

/** Start a long-running `comms` command; resolves with the process once a stdout line matches `ready`. */
function startCli(args: string[], ready: RegExp): Promise<{ child: ChildProcess; line: string; stderr: () => string }> {
  const child = spawn(process.execPath, cliArgs(args), { cwd: repo, env: cliEnv });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (line) resolve({ child, line, stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`comms ${args[0]} exited with ${code}: ${out}${err}`)));
  });
}

/** Run a `comms` command to its end; rejects with its output when it fails. */
function runCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, cliArgs(args), { cwd: repo, env: cliEnv }, (error, stdout, stderr) => (error ? reject(new Error(`comms ${args[0]}: ${error.message}\n${stdout}${stderr}`)) : resolve(stdout)));
  });
}

/** SIGTERM a started command; resolves with how it ended (`exit 0` when it stopped cleanly), else with its stderr. */
function stopCli(started: { child: ChildProcess; stderr: () => string }): Promise<string> {
  const { child } = started;
  const ended = () => `${child.exitCode !== null ? `exit ${child.exitCode}` : `signal ${child.signalCode}`}${child.exitCode === 0 ? '' : `: ${started.stderr()}`}`;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(ended());
  return new Promise((resolve) => {
    child.once('exit', () => resolve(ended()));
    child.kill('SIGTERM');
  });
}

/** The users of this test: the modules of `comms up` plus two test modules and the attacker. */
// advisor and instances: the modules comms.config.json makes `comms up --url` start.
const MODULES = ['marker', 'arangodb', 'orchestrator', 'client', 'advisor', 'instances', 'alpha', 'beta', 'evil'];

/**
 * The generated ACL says what RolePolicy says, topic by topic, for every role: each concrete topic
 * of the topic map (own module, another module, a conversation or workflow id) is writable and
 * readable under the ACL exactly when the embedded broker allows it (with an honest `from`), but
 * for conversation-state ownership.
 */
describe('the generated ACL matches the embedded role policy topic by topic', () => {
  it('agrees on every publish and every read, for every role, but who owns a conversation state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'comms-acl-'));
    try {
      const { credentials } = await ensureCredentials(join(dir, 'credentials.json'), ['orchestrator', 'alpha']);
      const policy = new RolePolicy(credentials);
      const recorders = credentials.users.filter((u) => u.role === 'recorder').map((u) => u.username);
      const subjects = ['alpha', 'orchestrator', 'recorder', 'observer', 'operator', 'admin', 'x1'];
      const topics = Object.values(TOPIC_TEMPLATES).flatMap((template) => subjects.map((subject) => template.replace(/\{\w+\}/, subject)));
      const disagreements: string[] = [];
      for (const user of credentials.users) {
        const principal: RolePrincipal = { username: user.username, role: user.role, ...(user.role === 'actor' || user.role === 'recorder' ? { module: user.module ?? user.username } : {}) };
        const speaker = principal.module ?? principal.username;
        const rules = aclRules(user, recorders);
        // The client id is the username, so the %c pattern line grants replies/<username>.
        const readable = [...rules.read, Topics.replies(user.username)];
        for (const topic of topics) {
          const inbox = topic.endsWith('/inbox');
          const schema = inbox ? (RECORDER_QUERY_IDS[0] as string) : 'test.note@1';
          const payload = encodeEnvelope(createEnvelope({ kind: inbox ? 'request' : 'event', from: speaker, to: '*', conversationId: 'x1', replyTo: Topics.replies(user.username), schema, body: {} }));
          const embeddedWrite = policy.canPublish(principal, topic, user.username, payload, false);
          const aclWrite = rules.write.some((filter) => topicMatches(filter, topic));
          if (embeddedWrite !== aclWrite) disagreements.push(`${user.username} write ${topic}: embedded ${embeddedWrite}, acl ${aclWrite}`);
          const embeddedRead = policy.canSubscribe(principal, topic, user.username);
          const aclRead = readable.some((filter) => topicMatches(filter, topic));
          if (embeddedRead !== aclRead) disagreements.push(`${user.username} read ${topic}: embedded ${embeddedRead}, acl ${aclRead}`);
        }
      }
      // The one rule the ACL cannot say (docs/security.md, External broker): the embedded broker lets only a
      // conversation's first publisher (its requester) publish its state; canPublish above made the first one.
      const stateOwnership = /^\S+ write comms\/v1\/conversations\/[^/]+\/state: embedded false, acl true$/;
      expect(disagreements.filter((d) => !stateOwnership.test(d))).to.deep.equal([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Issue 10's hostile table replayed against Debian's mosquitto 2 running the configuration
 * `comms mosquitto-config` writes (security/mosquitto-config.ts): what the ACL expresses is refused
 * by mosquitto; the `from` checks are the receivers' (Actor, Responder, recorder).
 */
describe('mosquitto with the generated configuration (comms mosquitto-config)', function () {
  let dir: string;
  let written: MosquittoConfig;
  let mosquitto: Mosquitto | undefined;
  let passwords: Record<string, string>;
  const clients: MqttClient[] = [];
  const actors: Actor[] = [];

  const url = () => (mosquitto as Mosquitto).url;
  const pw = (user: string) => passwords[user] as string;
  const raw = async (user: string, clientId: string, password = pw(user)): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(url(), { protocolVersion: 4, clientId, username: user, password, reconnectPeriod: 0 });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };
  const actor = (name: string, clientId = name): Actor => {
    const a = new Actor({ name, clientId, url: url(), username: name, password: pw(name), logger: createLogger(name, 'silent') });
    actors.push(a);
    return a;
  };

  before(async function () {
    if (!MOSQUITTO) {
      console.warn('mosquitto is not installed: run `apt-get install -y mosquitto` (the CI script does) to run these tests');
      this.skip();
    }
    dir = await mkdtemp(join(tmpdir(), 'comms-mosquitto-policy-'));
    const port = await freePort();
    // mosquitto started as root switches to user mosquitto, which cannot read a 0700 temp folder.
    const runAs = process.getuid?.() === 0 ? 'root' : undefined;
    written = await writeMosquittoConfig({ dataDir: join(dir, 'data'), modules: MODULES, outDir: join(dir, 'mosquitto'), port, runAs });
    passwords = (JSON.parse(await readFile(join(dir, 'data', 'secrets.json'), 'utf8')) as { passwords: Record<string, string> }).passwords;
    mosquitto = await startMosquittoWithConfig(written.configPath, port);
  });
  afterEach(async () => {
    await Promise.all(actors.splice(0).map((a) => a.stop().catch(() => {})));
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
  });
  after(async () => {
    mosquitto?.process.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Publish `forbidden` (which `watcher` must not get) and then `fence` (which it must get), both by
   * `publisher` at QoS 1: mosquitto keeps one publisher's order, so once the fence arrives the
   * forbidden message would have arrived before it. Returns every topic the watcher received.
   */
  async function receivedUpToFence(watcher: MqttClient, publisher: MqttClient, forbidden: Array<[string, Buffer]>, fence: [string, Buffer]): Promise<string[]> {
    const topics: string[] = [];
    const fenced = new Promise<void>((resolve) =>
      watcher.on('message', (topic) => {
        topics.push(topic);
        if (topic === fence[0]) resolve();
      }),
    );
    for (const [topic, payload] of forbidden) await publisher.publishAsync(topic, payload, { qos: 1 });
    await publisher.publishAsync(fence[0], fence[1], { qos: 1 });
    await fenced;
    return topics;
  }

  const note = (from: string, to: string) => encodeEnvelope(createEnvelope({ kind: 'event', from, to, conversationId: 'c-note', schema: 'test.note@1', body: {} }));

  it('writes every user with a mosquitto PBKDF2 hash, no anonymous access and a large queue', async () => {
    expect(written.users).to.include.members([...MODULES, 'recorder', 'observer', 'admin']);
    expect(written.skipped).to.deep.equal([]);
    const conf = await readFile(written.configPath, 'utf8');
    expect(conf).to.match(/^allow_anonymous false$/m).and.match(/^persistence true$/m).and.match(/^max_queued_messages 1000000$/m);
    expect(await readFile(written.passwordPath, 'utf8')).to.match(/^evil:\$7\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/m);
  });

  it('refuses a wrong password, an unknown user and an anonymous client', async () => {
    const codeOf = (options: mqtt.IClientOptions) =>
      mqtt.connectAsync(url(), { protocolVersion: 4, reconnectPeriod: 0, ...options }).then(
        async (c) => (await c.endAsync(), 0),
        (e: { code?: number }) => e.code,
      );
    expect(await codeOf({ clientId: 'evil', username: 'evil', password: 'wrong' })).to.equal(5);
    expect(await codeOf({ clientId: 'nobody', username: 'nobody', password: pw('evil') })).to.equal(5);
    expect(await codeOf({ clientId: 'anon' })).to.equal(5);
    expect(await codeOf({ clientId: 'evil', username: 'evil', password: pw('evil') })).to.equal(0);
  });

  it("delivers nothing a subscription to '#' or to another module's inbox may not read", async () => {
    const evil = await raw('evil', 'evil');
    const granted = await evil.subscribeAsync(['#', Topics.all, Topics.moduleInbox('marker'), Topics.moduleInbox('evil')], { qos: 1 });
    // mosquitto grants the filters and filters each message by the ACL instead (docs/security.md, External broker).
    expect(granted.map((g) => g.qos)).to.deep.equal([1, 1, 1, 1]);
    const admin = await raw('admin', 'admin-test');
    const secret: Array<[string, Buffer]> = [
      [Topics.moduleInbox('marker'), note('admin', 'marker')],
      [Topics.replies('client-123'), note('admin', 'client')],
      [Topics.deadletter('marker'), note('admin', '*')],
    ];
    const topics = await receivedUpToFence(evil, admin, secret, [Topics.moduleInbox('evil'), note('admin', 'evil')]);
    expect(topics.filter((t) => t !== Topics.moduleInbox('evil'))).to.deep.equal([]);
  });

  it("does not deliver or retain a publish on another module's card, status or dead letters, or on workflow topics", async () => {
    const observer = await raw('observer', 'observer-watch');
    await observer.subscribeAsync(Topics.all, { qos: 1 });
    const evil = await raw('evil', 'evil');
    const forged: Array<[string, Buffer]> = [
      [Topics.moduleCard('marker'), note('marker', '*')],
      [Topics.moduleStatus('marker'), note('marker', '*')],
      [Topics.deadletter('marker'), note('marker', '*')],
      [Topics.workflowControl('w1'), note('evil', 'orchestrator')],
      ['elsewhere/outside/the/bus', note('evil', '*')],
    ];
    for (const [topic, payload] of forged.slice(0, 2)) await evil.publishAsync(topic, payload, { qos: 1, retain: true });
    const topics = await receivedUpToFence(observer, evil, forged, [Topics.moduleCard('evil'), note('evil', '*')]);
    expect(topics).to.deep.equal([Topics.moduleCard('evil')]);
    // Nothing was retained on marker's card: a new subscriber gets evil's retained fence only.
    const later = await raw('observer', 'observer-later');
    const retained: string[] = [];
    const fenceRetained = new Promise<void>((resolve) =>
      later.on('message', (topic) => {
        retained.push(topic);
        if (topic === Topics.moduleCard('evil')) resolve();
      }),
    );
    await evil.publishAsync(Topics.moduleCard('evil'), note('evil', '*'), { qos: 1, retain: true });
    await later.subscribeAsync([Topics.moduleCard('marker'), Topics.moduleCard('evil')], { qos: 1 });
    await fenceRetained;
    expect(retained).to.deep.equal([Topics.moduleCard('evil')]);
  });

  it("cannot bind client ids to users (not expressible): evil may take marker's id, yet still not read marker's inbox", async () => {
    const evil = await raw('evil', 'marker');
    await evil.subscribeAsync([Topics.moduleInbox('marker'), Topics.moduleInbox('evil')], { qos: 1 });
    const admin = await raw('admin', 'admin-test');
    const topics = await receivedUpToFence(evil, admin, [[Topics.moduleInbox('marker'), note('admin', 'marker')]], [Topics.moduleInbox('evil'), note('admin', 'evil')]);
    expect(topics).to.deep.equal([Topics.moduleInbox('evil')]);
  });

  it('runs a normal conversation end to end with the generated passwords, recorded by the recorder', async () => {
    const recorder: Recorder = createRecorder({ url: url(), dbPath: join(dir, 'normal.db'), username: 'recorder', password: pw('recorder'), logger: createLogger('recorder', 'silent') });
    actors.push(recorder.actor);
    await recorder.start();
    await actor('beta').handle(echoQuery('beta')).start();
    // A CLI-like requester with a client id of its own: its replies come on replies/<client id> (the %c pattern).
    const client = await actor('client', 'client-mosq1').start();
    const conversation = client.request('beta', 'echo@1', { text: 'via generated config', steps: 2 });
    expect(await conversation.result).to.deep.equal({ text: 'via generated config', handledBy: 'beta' });
    await conversation.flushed();
    const status = await recordedCompleted(recorder, conversation.id);
    expect(status).to.deep.include({ requester: 'client', responder: 'beta', state: 'completed' });
  });

  describe("the receivers' checks (issue 10, who speaks) carry the `from` rules mosquitto cannot express", () => {
    /** beta holds alpha's request until released; evil learns the request id from the conversation's events. */
    async function attackedConversation() {
      const gate = deferred();
      await actor('beta').handle(echoQuery('beta', { gate: gate.promise })).start();
      const alpha = await actor('alpha').start();
      const evil = await raw('evil', 'evil');
      await evil.subscribeAsync(Topics.filters.allConversationEvents, { qos: 1 });
      const watcher = await raw('observer', 'observer-letters');
      await watcher.subscribeAsync(Topics.filters.allDeadletters, { qos: 1 });
      const event = new Promise<Envelope<ConversationEvent>>((resolve) => evil.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as Envelope<ConversationEvent>)));
      const conversation = alpha.request<{ text: string; handledBy: string }>('beta', 'echo@1', { text: 'real' }, { timeoutMs: 30_000 });
      const { body, conversationId } = await event;
      return { gate, alpha, evil, watcher, conversation, requestId: body.requestId, conversationId };
    }
    const deadLetter = (watcher: MqttClient, topic: string) =>
      new Promise<Envelope<DeadLetter>>((resolve) => watcher.on('message', (t, p) => t === topic && resolve(JSON.parse(p.toString()) as Envelope<DeadLetter>)));

    it('a forged cancel from evil is dead-lettered by beta; the real answer arrives', async () => {
      const { gate, evil, watcher, conversation, requestId, conversationId } = await attackedConversation();
      const letter = deadLetter(watcher, Topics.deadletter('beta'));
      const cancel = createEnvelope({ kind: 'cancel', from: 'evil', to: 'beta', conversationId, correlationId: requestId, schema: 'cancel@1', body: { reason: 'forged' } });
      await evil.publishAsync(Topics.moduleInbox('beta'), encodeEnvelope(cancel), { qos: 1 });
      const outcome = await Promise.race([letter, conversation.result.then(() => undefined, (err: unknown) => err)]);
      expect((outcome as Envelope<DeadLetter>).body?.reason.code, 'the cancel must be dead-lettered, not applied').to.equal('E_FORGED');
      gate.resolve();
      expect(await conversation.result).to.deep.equal({ text: 'real', handledBy: 'beta' });
    });

    it("a forged reply from evil on alpha's reply topic is dead-lettered by alpha; the real answer arrives", async () => {
      const { gate, alpha, evil, watcher, conversation, requestId, conversationId } = await attackedConversation();
      const letter = deadLetter(watcher, Topics.deadletter('alpha'));
      const reply = createEnvelope({ kind: 'reply', from: 'evil', to: 'alpha', conversationId, correlationId: requestId, schema: 'echo.answer@1', body: { text: 'requirements version 6.6.6', handledBy: 'beta' } });
      await evil.publishAsync(alpha.replyTopic, encodeEnvelope(reply), { qos: 1 });
      const outcome = await Promise.race([letter, conversation.result.then((r) => r, (err: unknown) => err)]);
      expect((outcome as Envelope<DeadLetter>).body?.reason.code, 'the reply must be dead-lettered, not applied').to.equal('E_FORGED');
      gate.resolve();
      expect(await conversation.result).to.deep.equal({ text: 'real', handledBy: 'beta' });
    });

    it('a forged conversation.event@1 from evil is recorded as rejected and leaves the row alone', async () => {
      const recorder = createRecorder({ url: url(), dbPath: join(dir, 'forged-event.db'), username: 'recorder', password: pw('recorder'), logger: createLogger('recorder', 'silent') });
      actors.push(recorder.actor);
      await recorder.start();
      const { gate, evil, conversation, requestId, conversationId } = await attackedConversation();
      gate.resolve();
      await conversation.result;
      await recordedCompleted(recorder, conversationId);
      const body: ConversationEvent = { type: 'state', state: 'failed', requester: 'evil', responder: 'nobody', query: 'echo@1', requestId, attempt: 1, error: { code: 'E_HANDLER_FAILED', message: 'forged' } };
      const forged = eventEnvelope({ from: 'evil', conversationId, seq: 9999, schema: 'conversation.event@1', body });
      const rejected = until(
        (check) => (recorder.events.on('recorded', check), () => recorder.events.off('recorded', check)),
        () => recorder.queries.getConversationMessages(conversationId).find((m) => m.messageId === forged.id),
      );
      await evil.publishAsync(Topics.conversationEvents(conversationId), encodeEnvelope(forged), { qos: 1 });
      expect(await rejected).to.deep.include({ valid: false, errorCode: 'E_FORGED' });
      expect(recorder.queries.getTaskStatus(conversationId)).to.deep.include({ state: 'completed', requester: 'alpha', responder: 'beta' });
    });

    it('LIMIT: a cancel that also lies about `from` is applied, since mosquitto cannot check the envelope (docs/security.md, External broker)', async () => {
      // The embedded broker refuses this publish (security.test.ts, spoofed from); mosquitto forwards it.
      const { evil, conversation, requestId, conversationId } = await attackedConversation();
      const spoofed = createEnvelope({ kind: 'cancel', from: 'alpha', to: 'beta', conversationId, correlationId: requestId, schema: 'cancel@1', body: { reason: 'spoofed' } });
      await evil.publishAsync(Topics.moduleInbox('beta'), encodeEnvelope(spoofed), { qos: 1 });
      const error = await conversation.result.then(() => undefined, (err: { code?: string }) => err);
      expect(error?.code).to.equal('E_CANCELED');
    });

    it("a retained request in beta's inbox is kept by mosquitto (not expressible) but never handled by beta", async () => {
      const evil = await raw('evil', 'evil');
      const handled: string[] = [];
      const stale = createEnvelope({ kind: 'request', from: 'evil', to: 'beta', conversationId: 'c-stale', replyTo: Topics.replies('evil'), schema: 'echo@1', body: { text: 'stale' } });
      await evil.publishAsync(Topics.moduleInbox('beta'), encodeEnvelope(stale), { qos: 1, retain: true });
      await actor('beta').handle(echoQuery('beta', { onStart: (ctx) => handled.push((ctx.request.body as { text: string }).text) })).start();
      const alpha = await actor('alpha').start();
      // The retained copy reached beta when it subscribed, before this request.
      expect(await alpha.ask('beta', 'echo@1', { text: 'fresh' })).to.deep.equal({ text: 'fresh', handledBy: 'beta' });
      expect(handled).to.deep.equal(['fresh']);
      await evil.publishAsync(Topics.moduleInbox('beta'), Buffer.alloc(0), { qos: 1, retain: true });
    });
  });

  describe("the receivers' bounded work and marker's file policy (issue 10) hold the same on mosquitto", () => {
    const login = (name: string) => ({ url: url(), username: name, password: pw(name), logger: createLogger(name, 'silent') });

    it('a 3 MB poison to arangodb is dead-lettered as a bounded excerpt, and a 10 MB deep request gets E_TOO_LARGE; arangodb keeps answering', async () => {
      const arangodb = createArangodbActor({ ...login('arangodb'), outDir: join(dir, 'ingest'), arango: false });
      actors.push(arangodb);
      await arangodb.start();
      const client = await actor('client', 'client-bounded').start();
      const observer = await raw('observer', 'observer-poison');
      await observer.subscribeAsync(Topics.deadletter('arangodb'), { qos: 1 });
      const letter = new Promise<Buffer>((resolve) => observer.on('message', (_t, p) => resolve(p)));
      const evil = await raw('evil', 'evil');
      await evil.subscribeAsync(Topics.replies('evil'), { qos: 1 });
      const error = new Promise<Envelope<{ code: string }>>((resolve) => evil.on('message', (_t, p) => resolve(JSON.parse(p.toString()) as Envelope<{ code: string }>)));

      await evil.publishAsync(Topics.moduleInbox('arangodb'), Buffer.alloc(3_000_000, 0x01), { qos: 1 });
      expect((await letter).byteLength).to.be.lessThan(8 * 1024);
      const head = JSON.stringify({ v: 1, id: 'deep1', kind: 'request', from: 'evil', to: 'arangodb', conversationId: 'c-deep1', replyTo: Topics.replies('evil'), schema: PDF_REQUIREMENTS_QUERY_SCHEMA_ID, sentAt: new Date().toISOString() });
      const deep = `${'['.repeat(5_000_000)}${']'.repeat(5_000_000)}`;
      await evil.publishAsync(Topics.moduleInbox('arangodb'), Buffer.from(`${head.slice(0, -1)},"body":${deep}}`), { qos: 1 });
      expect(await client.ask<{ schemaId: string }>('arangodb', PDF_REQUIREMENTS_QUERY_SCHEMA_ID, {})).to.have.property('schemaId', 'pdf.document');
      expect((await error).body.code).to.equal('E_TOO_LARGE');
      expect(arangodb.connected).to.equal(true);
    });

    it('marker refuses a host path outside its input folders the same way whether the file exists or not', async () => {
      const marker = createMarkerActor({ ...login('marker'), inputRoots: [join(dir, 'inputs')] });
      actors.push(marker);
      await marker.start();
      const evil = await actor('evil').start();
      const refusal = (path: string) => evil.ask('marker', PDF_CONVERT_SCHEMA_ID, { path }).then(() => undefined, (err: { code?: string; message: string }) => err);
      const existing = await refusal(written.passwordPath);
      const missing = await refusal(join(dir, 'no-such-file.pdf'));
      expect(existing?.code).to.equal('E_INPUT_REFUSED');
      expect(missing?.code).to.equal('E_INPUT_REFUSED');
      expect(existing?.message.replace(written.passwordPath, 'P')).to.equal(missing?.message.replace(join(dir, 'no-such-file.pdf'), 'P'));
    });
  });

  describe('comms up --url and comms actor orchestrator against it', () => {
    const data = () => join(dir, 'data');

    it('comms up --url starts everything but the broker; the flagship runs through mosquitto and is recorded', async () => {
      const pdf = await samplePath('sample.pdf');
      const up = await startCli(['up', '--url', url(), '--data', data(), '--dashboard', 'false', '--inputs', dirname(pdf)], /^comms up: /);
      try {
        expect(up.line).to.contain(`external broker ${url()}`);
        const run = JSON.parse(await runCli(['run', 'marker-to-arangodb', '--pdf', pdf, '--url', url(), '--username', 'client', `--password=${pw('client')}`, '--data', data()])) as {
          conversationId: string;
          validation: { valid: boolean };
        };
        expect(run.validation.valid).to.equal(true);
        // The recorder of `comms up` wrote the conversation to DATA/comms.db, through mosquitto.
        const status = await runCli(['status', run.conversationId, '--data', data()]);
        expect(status).to.contain('completed').and.to.contain('client -> orchestrator');
      } finally {
        expect(await stopCli(up)).to.equal('exit 0');
      }
    });

    it('comms actor orchestrator runs the orchestrator alone, logged in with its generated password', async () => {
      const observer = await raw('observer', 'observer-orch');
      const online = new Promise<Envelope<{ state: string }>>((resolve) =>
        observer.on('message', (_t, p) => {
          const status = JSON.parse(p.toString()) as Envelope<{ state: string }>;
          if (status.body.state === 'online') resolve(status);
        }),
      );
      await observer.subscribeAsync(Topics.moduleStatus('orchestrator'), { qos: 1 });
      const orchestrator = await startCli(['actor', 'orchestrator', '--url', url(), '--username', 'orchestrator', `--password=${pw('orchestrator')}`, '--data', data()], /orchestrator online/);
      try {
        expect((await online).from).to.equal('orchestrator');
      } finally {
        expect(await stopCli(orchestrator)).to.equal('exit 0');
      }
    });
  });
});
