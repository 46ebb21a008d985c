import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { expect } from 'chai';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Actor, defineQuery } from '../actors/runtime/index.ts';
import { startBroker, type EmbeddedBroker } from '../broker/index.ts';
import { CommsError, createEnvelope, filterCovers, Topics, type Envelope } from '../protocol/index.ts';
import {
  addUser,
  ensureCredentials,
  hashPassword,
  loadCredentials,
  loadTlsFiles,
  prepareSecurity,
  parsePasswordHash,
  RolePolicy,
  saveCredentials,
  verifyPassword,
  type EnsuredCredentials,
} from '../security/index.ts';
import { until } from './support/bus-fixture.ts';

const MODULES = ['alpha', 'beta', 'orchestrator'];

function envelope(from: string, to: string, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ ...createEnvelope({ kind: 'event', from, to, conversationId: 'c1', schema: 'test.note@1', body: extra }) }));
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}

/** The first message a client receives on a topic matching `topic` exactly. */
function nextMessage(client: MqttClient, topic: string): Promise<{ payload: Buffer; retain: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer, packet: { retain: boolean }) => {
      if (t !== topic) return;
      client.off('message', onMessage);
      resolve({ payload, retain: packet.retain });
    };
    client.on('message', onMessage);
  });
}

/**
 * The SUBACK return codes of a subscribe: mqtt.js 5.16 resolves when all are granted and rejects
 * with an ErrorWithSubackPacket (carrying the packet) when any has bit 0x80 set.
 */
async function subackCodes(promise: Promise<Array<{ qos: number }>>): Promise<number[]> {
  return promise.then(
    (granted) => granted.map((g) => g.qos),
    (e: Error & { packet?: { granted?: number[] } }) => {
      if (!e.packet?.granted) throw e;
      return e.packet.granted;
    },
  );
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<CommsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a CommsError ${code}`).to.be.instanceOf(CommsError);
  expect((error as CommsError).code).to.equal(code);
  return error as CommsError;
}

describe('security', function () {
  let dir: string;
  let creds: EnsuredCredentials;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-security-'));
    creds = await ensureCredentials(join(dir, 'credentials.json'), MODULES);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('password hashing', () => {
    it('hashes with scrypt and a random salt, and verifies in constant time', async () => {
      const a = await hashPassword('correct horse');
      const b = await hashPassword('correct horse');
      expect(a).to.match(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
      expect(a).to.not.equal(b);
      expect(await verifyPassword('correct horse', a)).to.equal(true);
      expect(await verifyPassword('correct horsE', a)).to.equal(false);
      expect(await verifyPassword(Buffer.from('correct horse'), b)).to.equal(true);
    });

    it('refuses malformed hashes and absurd cost parameters with E_CONFIG_INVALID', async () => {
      expect(() => parsePasswordHash('bcrypt$xyz')).to.throw(CommsError).with.property('code', 'E_CONFIG_INVALID');
      const salt = Buffer.alloc(16).toString('base64url');
      const key = Buffer.alloc(32).toString('base64url');
      expect(() => parsePasswordHash(`scrypt$1000$8$1$${salt}$${key}`)).to.throw(/power of two/);
      expect(() => parsePasswordHash(`scrypt$${2 ** 24}$8$1$${salt}$${key}`)).to.throw(/power of two/);
      await expectCode(verifyPassword('x', 'scrypt$16384$8$1$$'), 'E_CONFIG_INVALID');
    });
  });

  describe('credentials file', () => {
    it('ensureCredentials creates users for modules + recorder, observer, admin, with 0600 files, and generates passwords once', async () => {
      expect(creds.created).to.equal(true);
      const usernames = creds.credentials.users.map((u) => `${u.username}:${u.role}`).sort();
      expect(usernames).to.deep.equal(['admin:admin', 'alpha:actor', 'beta:actor', 'observer:observer', 'operator:operator', 'orchestrator:actor', 'recorder:recorder']);
      expect(Object.keys(creds.generated).sort()).to.deep.equal(['admin', 'alpha', 'beta', 'observer', 'operator', 'orchestrator', 'recorder']);
      expect((await stat(creds.path)).mode & 0o777).to.equal(0o600);
      expect((await stat(creds.secretsPath)).mode & 0o777).to.equal(0o600);
      expect(creds.secretsPath).to.equal(join(dir, 'secrets.json'));
      const secrets = JSON.parse(await readFile(creds.secretsPath, 'utf8')) as { passwords: Record<string, string> };
      expect(secrets.passwords).to.deep.equal(creds.generated);
      const onDisk = await readFile(creds.path, 'utf8');
      for (const password of Object.values(creds.generated)) expect(onDisk).to.not.include(password);

      const again = await ensureCredentials(creds.path, MODULES);
      expect(again.created).to.equal(false);
      expect(again.generated).to.deep.equal({});
      expect(again.passwords).to.deep.equal(creds.passwords);
      expect(again.credentials).to.deep.equal(creds.credentials);
    });

    it('ensureCredentials adds only the missing module and keeps the others', async () => {
      const sub = await mkdtemp(join(dir, 'more-'));
      const first = await ensureCredentials(join(sub, 'credentials.json'), ['alpha']);
      const second = await ensureCredentials(join(sub, 'credentials.json'), ['alpha', 'gamma']);
      expect(Object.keys(second.generated)).to.deep.equal(['gamma']);
      expect(second.passwords.alpha).to.equal(first.passwords.alpha);
      expect(second.passwords.gamma).to.be.a('string');
      const alphaBefore = first.credentials.users.find((u) => u.username === 'alpha');
      expect(second.credentials.users.find((u) => u.username === 'alpha')).to.deep.equal(alphaBefore);
    });

    it('prepareSecurity gives comms up a policy and the logins of its in-process modules', async () => {
      const data = await mkdtemp(join(dir, 'data-'));
      const setup = await prepareSecurity(data, ['recorder', 'marker', 'client']);
      expect(setup.created).to.equal(true);
      expect(setup.secretsFile).to.equal(join(data, 'secrets.json'));
      expect(Object.keys(setup.logins).sort()).to.deep.equal(['admin', 'client', 'marker', 'observer', 'operator', 'recorder']);
      const marker = setup.logins.marker;
      expect(await setup.access.authenticate('marker', Buffer.from(marker?.password ?? ''), 'marker')).to.deep.equal({ username: 'marker', role: 'actor', module: 'marker' });
      expect((await setup.access.authenticate('recorder', Buffer.from(setup.logins.recorder?.password ?? ''), 'recorder'))?.role).to.equal('recorder');
      const again = await prepareSecurity(data, ['recorder', 'marker', 'client']);
      expect(again.created).to.equal(false);
      expect(again.logins).to.deep.equal(setup.logins);
      await writeFile(setup.secretsFile, JSON.stringify({ version: 1, passwords: {} }));
      await expectCode(prepareSecurity(data, ['marker']), 'E_CONFIG_INVALID');
    });

    it('round-trips through save/load, and addUser refuses duplicates unless replacing', async () => {
      const path = join(dir, 'roundtrip', 'credentials.json');
      let file = (await addUser({ version: 1, users: [] }, { username: 'tool', role: 'admin', password: 'pw-1' })).credentials;
      await saveCredentials(path, file);
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      const loaded = await loadCredentials(path);
      expect(loaded).to.deep.equal(file);
      expect(await verifyPassword('pw-1', loaded.users[0]?.passwordHash ?? '')).to.equal(true);
      await expectCode(addUser(loaded, { username: 'tool', role: 'admin' }), 'E_CONFIG_INVALID');
      const replaced = await addUser(loaded, { username: 'tool', role: 'observer', replace: true });
      expect(replaced.credentials.users).to.have.length(1);
      expect(replaced.credentials.users[0]?.role).to.equal('observer');
      expect(replaced.password).to.have.length.greaterThan(20);
      file = replaced.credentials;
      await saveCredentials(path, file);
      expect(await loadCredentials(path)).to.deep.equal(file);
    });

    it('rejects invalid files with E_CONFIG_INVALID naming the problem', async () => {
      const path = join(dir, 'bad.json');
      await writeFile(path, JSON.stringify({ version: 1, users: [{ username: 'x', role: 'superuser', passwordHash: 'scrypt$' }] }));
      const error = await expectCode(loadCredentials(path), 'E_CONFIG_INVALID');
      expect(error.message).to.include('/users/0/role');
      await writeFile(path, '{not json');
      await expectCode(loadCredentials(path), 'E_CONFIG_INVALID');
      const hash = await hashPassword('p');
      await writeFile(path, JSON.stringify({ version: 1, users: [{ username: 'x', role: 'admin', passwordHash: hash }, { username: 'x', role: 'admin', passwordHash: hash }] }));
      expect((await expectCode(loadCredentials(path), 'E_CONFIG_INVALID')).message).to.include('twice');
      await expectCode(loadCredentials(join(dir, 'missing.json')), 'E_CONFIG_INVALID');
    });
  });

  describe('role policy rules', () => {
    let policy: RolePolicy;
    const alpha = { username: 'alpha', role: 'actor', module: 'alpha' };
    const orchestrator = { username: 'orchestrator', role: 'actor', module: 'orchestrator' };
    const recorder = { username: 'recorder', role: 'recorder', module: 'recorder' };
    const observer = { username: 'observer', role: 'observer' };
    const admin = { username: 'admin', role: 'admin' };
    const none: Buffer = Buffer.alloc(0);
    before(() => {
      policy = new RolePolicy(creds.credentials);
    });

    it('filterCovers treats wildcards as sets', () => {
      expect(filterCovers('comms/v1/#', 'comms/v1/modules/+/card')).to.equal(true);
      expect(filterCovers('comms/v1/modules/+/card', 'comms/v1/modules/x/card')).to.equal(true);
      expect(filterCovers('comms/v1/modules/+/card', 'comms/v1/modules/#')).to.equal(false);
      expect(filterCovers('comms/v1/conversations/#', 'comms/v1/#')).to.equal(false);
      expect(filterCovers('comms/v1/#', '#')).to.equal(false);
      expect(filterCovers('comms/v1/#', '+/v1/x')).to.equal(false);
    });

    it('a request claims its conversation for its sender: the responder cannot take the state snapshot over', () => {
      const ok = (p: typeof alpha, topic: string, payload: Buffer = none) => policy.canPublish(p, topic, p.username, payload);
      const request = Buffer.from(JSON.stringify(createEnvelope({ kind: 'request', from: 'alpha', to: 'orchestrator', conversationId: 'c-claimed', replyTo: 'comms/v1/replies/alpha', schema: 'test.note@1', body: {} })));
      expect(ok(alpha, 'comms/v1/modules/orchestrator/inbox', request)).to.equal(true);
      // The responder publishes on the conversation first (before the requester's first event) ...
      expect(ok(orchestrator, 'comms/v1/conversations/c-claimed/events', envelope('orchestrator', '*'))).to.equal(true);
      // ... and still does not own its state: the requester does.
      expect(ok(orchestrator, 'comms/v1/conversations/c-claimed/state', envelope('orchestrator', '*'))).to.equal(false);
      expect(ok(alpha, 'comms/v1/conversations/c-claimed/state', envelope('alpha', '*'))).to.equal(true);
    });

    it('actors publish their own card/status/deadletter, any inbox, replies and conversation topics', () => {
      const ok = (p: typeof alpha, topic: string, payload: Buffer = none) => policy.canPublish(p, topic, p.username, payload);
      expect(ok(alpha, 'comms/v1/modules/alpha/card')).to.equal(true);
      expect(ok(alpha, 'comms/v1/modules/alpha/status')).to.equal(true);
      expect(ok(alpha, 'comms/v1/modules/beta/card')).to.equal(false);
      expect(ok(alpha, 'comms/v1/modules/beta/status')).to.equal(false);
      expect(ok(alpha, 'comms/v1/modules/beta/inbox')).to.equal(true);
      expect(ok(alpha, 'comms/v1/replies/beta-2')).to.equal(true);
      expect(ok(alpha, 'comms/v1/conversations/c1/events')).to.equal(true);
      expect(ok(alpha, 'comms/v1/conversations/c1/state')).to.equal(true);
      expect(ok(alpha, 'comms/v1/deadletter/alpha')).to.equal(true);
      expect(ok(alpha, 'comms/v1/deadletter/beta')).to.equal(false);
      expect(ok(alpha, 'comms/v1/workflows/w1/state')).to.equal(false);
      expect(ok(orchestrator, 'comms/v1/workflows/w1/state')).to.equal(true);
      expect(ok(alpha, 'comms/v1/elsewhere')).to.equal(false);
      expect(ok(alpha, 'other/topic')).to.equal(false);
      expect(ok(alpha, 'comms/v1/modules/beta/inbox', envelope('alpha', 'beta'))).to.equal(true);
      expect(ok(alpha, 'comms/v1/modules/beta/inbox', envelope('beta', 'beta'))).to.equal(false);
      // An actor's message must carry a from the broker can read: otherwise a receiver's error reply
      // would be addressed by unverified bytes (a stranger could aim it at someone else's request).
      expect(ok(alpha, 'comms/v1/modules/beta/inbox', Buffer.from('not json'))).to.equal(false);
      expect(ok(alpha, 'comms/v1/modules/beta/inbox', Buffer.from('{"id":"r1","from":"gamma","replyTo":"comms/v1/replies/gamma"'))).to.equal(false);
      expect(ok(alpha, 'comms/v1/modules/beta/inbox', Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`))).to.equal(false);
    });

    it('actors subscribe to their inbox, their own reply topic, cards, statuses, conversations and workflows only', () => {
      const ok = (filter: string, clientId = 'alpha') => policy.canSubscribe(alpha, filter, clientId);
      expect(ok('comms/v1/modules/alpha/inbox')).to.equal(true);
      expect(ok('comms/v1/modules/beta/inbox')).to.equal(false);
      expect(ok('comms/v1/modules/+/inbox')).to.equal(false);
      expect(ok('comms/v1/replies/alpha')).to.equal(true);
      expect(ok('comms/v1/replies/alpha-2', 'alpha-2')).to.equal(true);
      expect(ok('comms/v1/replies/alpha-2', 'alpha')).to.equal(false);
      expect(ok('comms/v1/replies/+')).to.equal(false);
      expect(ok('comms/v1/modules/+/card')).to.equal(true);
      expect(ok('comms/v1/modules/beta/status')).to.equal(true);
      expect(ok('comms/v1/conversations/+/events')).to.equal(true);
      expect(ok('comms/v1/workflows/#')).to.equal(true);
      expect(ok('comms/v1/#')).to.equal(false);
      expect(ok('#')).to.equal(false);
      expect(ok('comms/v1/deadletter/+')).to.equal(false);
    });

    it('recorder, observer and admin', () => {
      expect(policy.canSubscribe(recorder, 'comms/v1/#', 'recorder')).to.equal(true);
      expect(policy.canPublish(recorder, 'comms/v1/modules/recorder/card', 'recorder', envelope('recorder', '*'))).to.equal(true);
      expect(policy.canPublish(recorder, 'comms/v1/replies/alpha', 'recorder', none)).to.equal(true);
      expect(policy.canPublish(recorder, 'comms/v1/modules/alpha/inbox', 'recorder', none)).to.equal(false);
      expect(policy.canPublish(recorder, 'comms/v1/deadletter/recorder', 'recorder', none)).to.equal(true);
      expect(policy.canSubscribe(observer, 'comms/v1/#', 'observer')).to.equal(true);
      expect(policy.canPublish(observer, 'comms/v1/modules/observer/status', 'observer', none)).to.equal(false);
      expect(policy.canPublish(admin, 'comms/v1/workflows/w1/control', 'admin', envelope('cli', 'orchestrator'))).to.equal(true);
      expect(policy.canPublish(admin, '$SYS/x', 'admin', none)).to.equal(false);
      expect(policy.canSubscribe(admin, '#', 'admin')).to.equal(false);
    });

    it('authenticates with the right password and a client id of the user, refuses the rest', async () => {
      const pw = Buffer.from(creds.passwords.alpha ?? '');
      expect(await policy.authenticate('alpha', pw, 'alpha')).to.deep.equal(alpha);
      expect(await policy.authenticate('alpha', pw, 'alpha-2')).to.deep.equal(alpha);
      expect(await policy.authenticate('alpha', pw, 'alpha.worker')).to.deep.equal(alpha);
      expect(await policy.authenticate('alpha', Buffer.from('wrong'), 'alpha')).to.equal(undefined);
      expect(await policy.authenticate('nobody', pw, 'nobody')).to.equal(undefined);
      expect(await policy.authenticate(undefined, undefined, 'alpha')).to.equal(undefined);
      await expectCode(policy.authenticate('alpha', pw, 'alphabet'), 'E_NOT_AUTHORIZED');
      await expectCode(policy.authenticate('alpha', pw, 'beta'), 'E_NOT_AUTHORIZED');
      expect(await policy.authenticate('observer', Buffer.from(creds.passwords.observer ?? ''), 'observer-tab1')).to.deep.equal(observer);
    });

    it('refuses a client id that belongs to a longer user name (alpha cannot be alpha-2 when alpha-2 is a user)', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'comms-ns-'));
      try {
        const two = await ensureCredentials(join(dir, 'credentials.json'), ['alpha', 'alpha-2']);
        const p = new RolePolicy(two.credentials);
        const alphaPw = Buffer.from(two.passwords.alpha ?? '');
        const alpha2Pw = Buffer.from(two.passwords['alpha-2'] ?? '');
        // Taking alpha-2's client id would kick its session and let alpha read replies/alpha-2.
        await expectCode(p.authenticate('alpha', alphaPw, 'alpha-2'), 'E_NOT_AUTHORIZED');
        await expectCode(p.authenticate('alpha', alphaPw, 'alpha-2.worker'), 'E_NOT_AUTHORIZED');
        expect(await p.authenticate('alpha', alphaPw, 'alpha-3')).to.deep.equal(alpha);
        expect(await p.authenticate('alpha', alphaPw, 'alpha.worker')).to.deep.equal(alpha);
        expect((await p.authenticate('alpha-2', alpha2Pw, 'alpha-2'))?.module).to.equal('alpha-2');
        expect((await p.authenticate('alpha-2', alpha2Pw, 'alpha-2-b'))?.module).to.equal('alpha-2');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('broker with the role policy', () => {
    let broker: EmbeddedBroker;
    const denials: string[] = [];
    const actors: Actor[] = [];
    const clients: MqttClient[] = [];

    const pw = (user: string): string => {
      const password = creds.passwords[user];
      if (!password) throw new Error(`no password for ${user}`);
      return password;
    };
    const actor = (name: string, extra: Partial<ConstructorParameters<typeof Actor>[0]> = {}): Actor => {
      const a = new Actor({ name, url: broker.url, username: name, password: pw(name), ...extra });
      actors.push(a);
      return a;
    };
    const raw = async (user: string, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> => {
      const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId, username: user, password: pw(user), reconnectPeriod: 0, ...extra });
      client.on('error', () => {});
      clients.push(client);
      return client;
    };

    beforeEach(async () => {
      denials.length = 0;
      broker = await startBroker({ port: 0, access: new RolePolicy(creds.credentials), maxPacketBytes: 1024 * 1024, onDenied: (what) => denials.push(what) });
    });
    afterEach(async () => {
      await Promise.all(actors.splice(0).map((a) => a.stop().catch(() => {})));
      await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => {})));
      await broker.close();
    });

    it('lets actors with their credentials talk end to end (card, status, inbox, replies, conversation topics)', async () => {
      const recorderSeen: string[] = [];
      const seenChecks = new Set<() => void>();
      await actor('recorder')
        .subscribe('comms/v1/#', (topic) => {
          recorderSeen.push(topic);
          seenChecks.forEach((check) => check());
        })
        .start();
      await actor('beta')
        .handle(
          defineQuery({
            schema: 'echo@1',
            description: 'Echoes.',
            request: Type.Object({ text: Type.String() }),
            responseSchemaId: 'echo.reply@1',
            response: Type.Object({ text: Type.String() }),
            handle: async (body, ctx) => {
              ctx.progress({ percent: 50, stage: 'half' });
              return { text: body.text.toUpperCase() };
            },
          }),
        )
        .start();
      const alpha = await actor('alpha', { clientId: 'alpha-1' }).start();
      expect(await alpha.ask<{ text: string }>('beta', 'echo@1', { text: 'hi' })).to.deep.equal({ text: 'HI' });
      expect(denials).to.deep.equal([]);
      // Deliveries to a whole-bus subscriber leave in batches (broker/delivery-batching.ts): wait for them, not on them.
      const expected = ['comms/v1/modules/beta/inbox', 'comms/v1/replies/alpha-1', 'comms/v1/modules/alpha/card'];
      await until((check) => (seenChecks.add(check), () => seenChecks.delete(check)), () => (expected.every((t) => recorderSeen.includes(t)) ? true : undefined));
      expect(recorderSeen).to.include.members(expected);
    });

    it('refuses a wrong password with E_AUTH_FAILED, and a client id of another user with E_NOT_AUTHORIZED', async () => {
      await expectCode(actor('alpha', { password: 'wrong' }).start(), 'E_AUTH_FAILED');
      await expectCode(new Actor({ name: 'alpha', url: broker.url }).start(), 'E_AUTH_FAILED');
      await expectCode(actor('beta', { username: 'alpha', password: pw('alpha') }).start(), 'E_NOT_AUTHORIZED');
      expect(denials.some((d) => d.includes('bad username or password'))).to.equal(true);
    });

    it('closes an actor that publishes another module card; subscribers only ever see the real one', async () => {
      const watcher = await raw('observer', 'observer-watch');
      await watcher.subscribeAsync(Topics.moduleCard('beta'), { qos: 1 });
      const first = nextMessage(watcher, Topics.moduleCard('beta'));
      const forger = await raw('alpha', 'alpha-forger');
      const gone = closed(forger);
      forger.publish(Topics.moduleCard('beta'), envelope('alpha', '*', { name: 'forged' }), { qos: 1, retain: true }, () => {});
      await gone;
      await actor('beta').start();
      const card = JSON.parse((await first).payload.toString()) as Envelope<{ name: string }>;
      expect(card.from).to.equal('beta');
      expect(card.body.name).to.equal('beta');
      expect(denials.some((d) => d.includes('alpha-forger') && d.includes('modules/beta/card'))).to.equal(true);
    });

    it("refuses a subscription to another module's inbox with SUBACK 0x80 and keeps the connection", async () => {
      const alpha = await raw('alpha', 'alpha-raw');
      const codes = await subackCodes(alpha.subscribeAsync({ 'comms/v1/modules/beta/inbox': { qos: 1 }, 'comms/v1/modules/alpha/inbox': { qos: 1 } }));
      expect(codes).to.deep.equal([0x80, 1]);
      expect(alpha.connected).to.equal(true);
      expect(denials.some((d) => d.includes('alpha-raw') && d.includes('modules/beta/inbox'))).to.equal(true);
    });

    // mqtt.js 5.16 rejects subscribeAsync as a whole on a 0x80 SUBACK; Actor.start() reads the SUBACK codes to name the filter.
    it('Actor.start() rejects with E_NOT_AUTHORIZED naming the refused filter', async () => {
      const error = await expectCode(
        actor('alpha')
          .subscribe('comms/v1/modules/beta/inbox', () => {})
          .start(),
        'E_NOT_AUTHORIZED',
      );
      expect(error.message).to.include('comms/v1/modules/beta/inbox');
    });

    it('an observer can read everything but is disconnected when it publishes', async () => {
      const observer = await raw('observer', 'observer');
      const granted = await observer.subscribeAsync('comms/v1/#', { qos: 1 });
      expect(granted[0]?.qos).to.equal(1);
      const seen = nextMessage(observer, Topics.moduleStatus('alpha'));
      await actor('alpha').start();
      expect(JSON.parse((await seen).payload.toString()).from).to.equal('alpha');
      const gone = closed(observer);
      observer.publish('comms/v1/modules/alpha/inbox', envelope('observer', 'alpha'), { qos: 1 }, () => {});
      await gone;
    });

    it('the recorder may subscribe to comms/v1/# (an actor may not)', async () => {
      const recorder = await actor('recorder').subscribe('comms/v1/#', () => {}).start();
      expect(recorder.connected).to.equal(true);
      const alpha = await raw('alpha', 'alpha-all');
      expect(await subackCodes(alpha.subscribeAsync('comms/v1/#', { qos: 1 }))).to.deep.equal([0x80]);
      expect(alpha.connected).to.equal(true);
    });

    it("refuses an envelope whose from is not the sender's module, including a BOM-prefixed one", async () => {
      const watcher = await raw('admin', 'admin-watch');
      await watcher.subscribeAsync(Topics.moduleInbox('beta'), { qos: 1 });
      const first = nextMessage(watcher, Topics.moduleInbox('beta'));
      for (const payload of [envelope('beta', 'beta'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), envelope('beta', 'beta')])]) {
        const spoofer = await raw('alpha', 'alpha-spoof');
        const gone = closed(spoofer);
        spoofer.publish(Topics.moduleInbox('beta'), payload, { qos: 1 }, () => {});
        await gone;
      }
      const honest = await raw('alpha', 'alpha-honest');
      await honest.publishAsync(Topics.moduleInbox('beta'), envelope('alpha', 'beta'), { qos: 1 });
      expect(JSON.parse((await first).payload.toString()).from).to.equal('alpha');
    });

    it('refuses a connection whose last will is on a topic the user may not publish', async () => {
      const will = { topic: Topics.moduleStatus('beta'), payload: envelope('alpha', '*'), qos: 1 as const, retain: true };
      const error = await mqtt
        .connectAsync(broker.url, { protocolVersion: 4, clientId: 'alpha-will', username: 'alpha', password: pw('alpha'), reconnectPeriod: 0, will })
        .then(
          () => undefined,
          (e: Error & { code?: number }) => e,
        );
      expect(error?.code).to.equal(5);
      const spoofedWill = { topic: Topics.moduleStatus('alpha'), payload: envelope('beta', '*'), qos: 1 as const, retain: true };
      const error2 = await mqtt
        .connectAsync(broker.url, { protocolVersion: 4, clientId: 'alpha-will', username: 'alpha', password: pw('alpha'), reconnectPeriod: 0, will: spoofedWill })
        .then(
          () => undefined,
          (e: Error & { code?: number }) => e,
        );
      expect(error2?.code).to.equal(5);
      // The Actor's own will (its status `lost`) is fine, and is published when it dies.
      const watcher = await raw('observer', 'observer-w');
      await actor('alpha').start();
      await watcher.subscribeAsync(Topics.moduleStatus('alpha'), { qos: 1 });
      const lost = new Promise<string>((resolve) =>
        watcher.on('message', (_t, p) => {
          const state = (JSON.parse(p.toString()) as Envelope<{ state: string }>).body.state;
          if (state === 'lost') resolve(state);
        }),
      );
      await actors[0]?.kill();
      expect(await lost).to.equal('lost');
    });

    it('disconnects a client sending a 2 MiB packet when maxPacketBytes is 1 MiB; 512 KiB passes', async () => {
      const admin = await raw('admin', 'admin-big');
      await admin.publishAsync('comms/v1/conversations/big/events', Buffer.alloc(512 * 1024, 0x20), { qos: 1 });
      const gone = closed(admin);
      admin.publish('comms/v1/conversations/big/events', Buffer.alloc(2 * 1024 * 1024, 0x20), { qos: 1 }, () => {});
      await gone;
      expect(denials.some((d) => d.includes('exceeds 1048576'))).to.equal(true);
    });

    it('refuses a topic or filter containing U+0000, and $SYS publishes even by admin', async () => {
      const admin = await raw('admin', 'admin-nul');
      expect(await subackCodes(admin.subscribeAsync('comms/v1/conv\u0000/#', { qos: 1 }))).to.deep.equal([0x80]);
      let gone = closed(admin);
      admin.publish('comms/v1/conversations/a\u0000b/events', envelope('admin', '*'), { qos: 1 }, () => {});
      await gone;
      expect(denials.some((d) => d.includes('U+0000'))).to.equal(true);
      const admin2 = await raw('admin', 'admin-sys');
      gone = closed(admin2);
      admin2.publish('$SYS/fake', 'x', { qos: 1 }, () => {});
      await gone;
    });

    it('only the orchestrator publishes workflow state', async () => {
      const watcher = await raw('observer', 'observer-wf');
      await watcher.subscribeAsync('comms/v1/workflows/#', { qos: 1 });
      const first = nextMessage(watcher, Topics.workflowState('w1'));
      const alpha = await raw('alpha', 'alpha-wf');
      const gone = closed(alpha);
      alpha.publish(Topics.workflowState('w1'), envelope('alpha', '*'), { qos: 1 }, () => {});
      await gone;
      const orchestrator = await raw('orchestrator', 'orchestrator');
      await orchestrator.publishAsync(Topics.workflowState('w1'), envelope('orchestrator', '*'), { qos: 1 });
      expect(JSON.parse((await first).payload.toString()).from).to.equal('orchestrator');
    });
  });

  describe('TLS', function () {
    let hasOpenssl = true;
    let certDir: string;
    before(async function () {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        hasOpenssl = false;
        this.skip();
      }
      certDir = await mkdtemp(join(tmpdir(), 'comms-tls-'));
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')],
        { stdio: 'ignore' },
      );
    });
    after(async () => {
      if (hasOpenssl) await rm(certDir, { recursive: true, force: true });
    });

    it('loadTlsFiles checks key and certificate belong together', async () => {
      const tls = await loadTlsFiles({ keyPath: join(certDir, 'key.pem'), certPath: join(certDir, 'cert.pem') });
      expect(tls.subject).to.include('CN=127.0.0.1');
      expect(tls.fingerprint256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(certDir, 'other.pem')], { stdio: 'ignore' });
      await expectCode(loadTlsFiles({ keyPath: join(certDir, 'other.pem'), certPath: join(certDir, 'cert.pem') }), 'E_CONFIG_INVALID');
      await expectCode(loadTlsFiles({ keyPath: join(certDir, 'key.pem'), certPath: join(certDir, 'key.pem') }), 'E_CONFIG_INVALID');
    });

    it('an actor connects over mqtts with the CA pinned and credentials, and is refused without the CA', async () => {
      const tls = await loadTlsFiles({ keyPath: join(certDir, 'key.pem'), certPath: join(certDir, 'cert.pem') });
      const broker = await startBroker({ port: 0, tls: { port: 0, key: tls.key, cert: tls.cert }, access: new RolePolicy(creds.credentials) });
      try {
        const url = broker.tlsUrl ?? '';
        expect(url).to.match(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
        const alpha = await new Actor({ name: 'alpha', url, username: 'alpha', password: creds.passwords.alpha, tls: { ca: tls.cert, rejectUnauthorized: true } }).start();
        expect(alpha.connected).to.equal(true);
        await alpha.stop();
        await expectCode(new Actor({ name: 'alpha', url, username: 'alpha', password: creds.passwords.alpha, tls: { rejectUnauthorized: true } }).start(), 'E_NOT_CONNECTED');
        await expectCode(new Actor({ name: 'alpha', url, username: 'alpha', password: 'wrong', tls: { ca: tls.cert, rejectUnauthorized: true } }).start(), 'E_AUTH_FAILED');
      } finally {
        await broker.close();
      }
    });
  });

});
