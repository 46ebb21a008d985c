import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createRecorder } from '../actors/recorder/index.ts';
import type { Actor, Conversation } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError, Topics, type ConversationStateName } from '../protocol/index.ts';
import { busFixture } from './support/bus-fixture.ts';
import { commsRun, repo } from './support/cli-process.ts';

type Bus = Awaited<ReturnType<typeof busFixture>>;

/** The responder of test/support/child-responder.ts in its own process; resolves once it is online. */
async function startResponder(url: string, mode: 'hold' | 'answer', leaseMs?: number): Promise<{ child: ChildProcess; session: string; output: () => string }> {
  const args = ['--import', 'tsx', 'test/support/child-responder.ts', url, mode, ...(leaseMs ? [String(leaseMs)] : [])];
  const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const session = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = /^ready (\S+)$/m.exec(out);
      if (ready) resolve(ready[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`child responder exited with ${code}: ${out}`)));
  });
  return { child, session, output: () => out };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // A stopped process queues SIGKILL until it runs again on some systems' tooling; SIGCONT first makes the exit certain.
  child.kill('SIGCONT');
  child.kill('SIGKILL');
  await exited;
}

function reachState<R>(conversation: Conversation<R>, wanted: ConversationStateName): Promise<void> {
  if (conversation.state === wanted) return Promise.resolve();
  return new Promise((resolve) => {
    const onState = (state: ConversationStateName) => {
      if (state !== wanted) return;
      conversation.off('state', onState);
      resolve();
    };
    conversation.on('state', onState);
  });
}

function peerWent(actor: Actor, module: string, wanted: 'lost' | 'online'): Promise<void> {
  return new Promise((resolve) => {
    const onStatus = (peer: string, state: string) => {
      if (peer !== module || state !== wanted) return;
      actor.off('peer-status', onStatus);
      resolve();
    };
    actor.on('peer-status', onStatus);
  });
}

async function failure(conversation: Conversation): Promise<CommsError> {
  const err: unknown = await conversation.result.then(() => undefined, (e: unknown) => e);
  expect(err).to.be.instanceOf(CommsError);
  return err as CommsError;
}

/** SIGKILL the working responder, wait for its will, start a fresh one (new session) that answers at once. */
async function restartMidWork<R>(bus: Bus, requester: Actor, conversation: Conversation<R>, first: ChildProcess): Promise<{ child: ChildProcess; output: () => string }> {
  await reachState(conversation, 'working');
  const lost = peerWent(requester, 'worker', 'lost');
  first.kill('SIGKILL');
  await lost;
  return startResponder(bus.broker.url, 'answer');
}

describe('responder faults: leases, restarts, idempotency', function () {
  this.timeout(120_000);
  let bus: Bus;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    bus = await busFixture();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) await stopChild(child);
    await bus.close();
  });

  it('a responder frozen with SIGSTOP after acknowledging: the conversation fails E_LEASE_EXPIRED before its deadline', async () => {
    const worker = await startResponder(bus.broker.url, 'hold', 200);
    children.push(worker.child);
    const requester = await bus.actor({ name: 'asker' }).start();
    // Deadline and peer grace far away: only the lease can end this conversation.
    const conversation = requester.request('worker', 'work@1', { job: 'freeze' }, { timeoutMs: 600_000, peerGraceMs: 600_000 });
    await reachState(conversation, 'working');
    worker.child.kill('SIGSTOP');
    const err = await failure(conversation);
    expect(err.code).to.equal('E_LEASE_EXPIRED');
    expect(err.message).to.contain('lease 200 ms');
    expect(conversation.state).to.equal('failed');
  });

  it('a responder that keeps renewing is not expired, however long the work takes past the lease', async () => {
    const worker = await startResponder(bus.broker.url, 'hold', 100);
    children.push(worker.child);
    const requester = await bus.actor({ name: 'asker' }).start();
    const conversation = requester.request('worker', 'work@1', { job: 'long' }, { timeoutMs: 600_000 });
    await reachState(conversation, 'working');
    // Count renewals on the reply topic: after 10 of them (>3 lease intervals) the conversation must still be open.
    let renewals = 0;
    await new Promise<void>((resolve) => {
      const watcher = bus.actor({ name: 'watcher' }).subscribe(requester.replyTopic, (_topic, payload) => {
        if (payload.toString().includes('lease-renewed') && ++renewals === 10) resolve();
      });
      void watcher.start();
    });
    expect(conversation.state).to.equal('working');
    conversation.cancel('test done');
    expect((await failure(conversation)).code).to.equal('E_CANCELED');
  });

  it('a non-idempotent query acknowledged before a responder restart is not re-run: E_PEER_RESTARTED', async () => {
    const first = await startResponder(bus.broker.url, 'hold');
    children.push(first.child);
    const requester = await bus.actor({ name: 'asker' }).start();
    const conversation = requester.request('worker', 'work@1', { job: 'once' }, { timeoutMs: 600_000, peerGraceMs: 600_000, retry: { attempts: 3 } });
    const second = await restartMidWork(bus, requester, conversation, first.child);
    children.push(second.child);
    const err = await failure(conversation);
    expect(err.code).to.equal('E_PEER_RESTARTED');
    expect(err.message).to.contain('not idempotent, so it was not re-run');
    expect(conversation.snapshot().attempts).to.equal(1);
  });

  it('an idempotent query without retry is not re-run either; the error says how to opt in', async () => {
    const first = await startResponder(bus.broker.url, 'hold');
    children.push(first.child);
    const requester = await bus.actor({ name: 'asker' }).start();
    const conversation = requester.request('worker', 'work.idempotent@1', { job: 'opt-in' }, { timeoutMs: 600_000, peerGraceMs: 600_000 });
    const second = await restartMidWork(bus, requester, conversation, first.child);
    children.push(second.child);
    const err = await failure(conversation);
    expect(err.code).to.equal('E_PEER_RESTARTED');
    expect(err.message).to.contain('retry: { attempts: N }');
  });

  it('an idempotent query with retry is re-run by the restarted responder; the record and `comms events` show attempt 2', async () => {
    const dbPath = join(bus.dir, 'comms.db');
    const recorder = createRecorder({ url: bus.broker.url, dbPath, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    try {
      const first = await startResponder(bus.broker.url, 'hold');
      children.push(first.child);
      const requester = await bus.actor({ name: 'asker' }).start();
      const conversation = requester.request<{ job: string; pid: number }>('worker', 'work.idempotent@1', { job: 'again' }, { timeoutMs: 600_000, peerGraceMs: 600_000, retry: { attempts: 1 } });
      const second = await restartMidWork(bus, requester, conversation, first.child);
      children.push(second.child);
      const reply = await conversation.result;
      expect(reply.pid).to.equal(second.child.pid);
      expect(conversation.snapshot().attempts).to.equal(2);
      // Both processes ran the handler for the same request id: once each.
      const runs = (out: string) => out.split('\n').filter((l) => l.startsWith(`ran work.idempotent@1 ${conversation.requestId}`)).length;
      expect(runs(first.output())).to.equal(1);
      expect(runs(second.output())).to.equal(1);
      await conversation.flushed();
      await recorder.stop();
      const events = await commsRun(['events', conversation.id, '--db', dbPath]);
      expect(events.code, events.stderr).to.equal(0);
      expect(events.stdout).to.match(/ attempt +submitted attempt 2\n/);
      expect(events.stdout).to.match(/completed.*\battempt 2\b/);
      const status = await commsRun(['status', conversation.id, '--db', dbPath, '--json']);
      expect((JSON.parse(status.stdout) as { attempts: number }).attempts).to.equal(2);
    } finally {
      await recorder.stop().catch(() => {});
    }
  });

  it('the module card says which queries are idempotent', async () => {
    const worker = await startResponder(bus.broker.url, 'answer');
    children.push(worker.child);
    const reader = bus.actor({ name: 'reader' });
    const card = new Promise<{ queries: Array<{ schema: string; idempotent: boolean }> }>((resolve) =>
      reader.subscribe(Topics.moduleCard('worker'), (_topic, payload) => resolve((JSON.parse(payload.toString()) as { body: { queries: Array<{ schema: string; idempotent: boolean }> } }).body)),
    );
    await reader.start();
    const queries = Object.fromEntries((await card).queries.map((q) => [q.schema, q.idempotent]));
    expect(queries).to.deep.equal({ 'work@1': false, 'work.idempotent@1': true });
  });
});
