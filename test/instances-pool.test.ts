import { expect } from 'chai';
import { once } from 'node:events';
import { AnthropicBackend, InstancePool, MemoryInstanceStore, type InstancePoolOptions } from '../instances/index.ts';
import { MessagesApiServer } from './fixtures/messages-api-server.ts';
import { gate, requirementsCard } from './fixtures/instance-cards.ts';
import { rejectsWith } from './support/rejection.ts';

describe('instances: InstancePool', () => {
  let server: MessagesApiServer;
  const pools: InstancePool[] = [];

  beforeEach(async () => {
    server = await MessagesApiServer.start();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
    await server.close();
  });

  const pool = (opts: Partial<InstancePoolOptions> = {}): InstancePool => {
    const p = new InstancePool({
      module: requirementsCard,
      healthIntervalMs: 0,
      ...opts,
      instance: {
        backend: () => new AnthropicBackend({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, model: 'claude-test', env: {} }),
        ...opts.instance,
      },
    });
    pools.push(p);
    return p;
  };

  it('reuses an idle instance instead of opening another', async () => {
    const p = pool({ maxSize: 3 });
    const created: string[] = [];
    p.on('created', (e) => created.push(e.instanceId));
    const a = await p.send('one');
    const b = await p.send('two');
    const c = await p.send('three');
    expect(created).to.have.length(1);
    expect(new Set([a.instanceId, b.instanceId, c.instanceId]).size).to.equal(1);
    // Same conversation: the third request carries the whole history.
    expect(server.messageRequests[2]?.body?.messages).to.have.length(5);
    expect(p.stats()).to.deep.include({ size: 1, idle: 1, busy: 0, queued: 0 });
  });

  it('opens a second instance while the first is busy and balances to the least used', async () => {
    const p = pool({ maxSize: 2 });
    const held = gate();
    server.enqueue({ kind: 'text', text: 'slow answer', gate: held.promise });
    const slow = p.send('slow');
    await server.waitForMessageRequests(1);
    const fast = await p.send('fast');
    const slowId = p.instanceIds().find((id) => id !== fast.instanceId);
    expect(p.instanceIds()).to.have.length(2);
    // The busy instance is skipped: the next request goes to the idle one, not into the queue.
    const again = await p.send('fast again');
    expect(again.instanceId).to.equal(fast.instanceId);
    held.open();
    const slowReply = await slow;
    expect(slowReply.instanceId).to.equal(slowId);
    expect(slowReply.text).to.equal('slow answer');
    // Both idle now: the one that served fewer requests gets the next.
    const next = await p.send('balanced');
    expect(next.instanceId).to.equal(slowId);
  });

  it('queues up to maxQueue, then refuses with E_POOL_SATURATED', async () => {
    const p = pool({ maxSize: 1, maxQueue: 1 });
    const held = gate();
    server.enqueue({ kind: 'text', text: 'first', gate: held.promise });
    const saturated: number[] = [];
    p.on('saturated', (e) => saturated.push(e.depth));
    const first = p.send('first');
    const second = p.send('second');
    const err = await rejectsWith(p.send('third'), 'E_POOL_SATURATED');
    expect(err.details).to.deep.include({ maxSize: 1, maxQueue: 1 });
    expect(saturated).to.have.length(1);
    await server.waitForMessageRequests(1);
    expect(p.stats()).to.deep.include({ size: 1, busy: 1, queued: 1 });
    held.open();
    expect((await first).text).to.equal('first');
    expect((await second).text).to.equal('echo: second');
  });

  it('cancels a queued request whose signal aborts', async () => {
    const p = pool({ maxSize: 1 });
    const held = gate();
    server.enqueue({ kind: 'text', text: 'first', gate: held.promise });
    const first = p.send('first');
    const controller = new AbortController();
    const queued = p.send('queued', { signal: controller.signal });
    await server.waitForMessageRequests(1);
    controller.abort();
    await rejectsWith(queued, 'E_CANCELED');
    expect(p.stats().queued).to.equal(0);
    held.open();
    await first;
    expect(server.messageRequests).to.have.length(1);
  });

  it('reaps idle instances and, with resumeStored, reopens their conversation', async () => {
    const store = new MemoryInstanceStore();
    const p = pool({ idleMs: 30, resumeStored: true, instance: { store } });
    const first = await p.send('before reaping');
    const [reaped] = await once(p, 'reaped');
    expect(reaped).to.deep.equal({ instanceId: first.instanceId });
    expect(p.stats().size).to.equal(0);
    expect((await store.loadInstance(first.instanceId))?.status).to.equal('idle');

    const created = once(p, 'created');
    const second = await p.send('after reaping');
    expect((await created)[0]).to.deep.equal({ instanceId: first.instanceId, resumed: true });
    expect(second.instanceId).to.equal(first.instanceId);
    expect(server.messageRequests[1]?.body?.messages).to.have.length(3);
  });

  it('replaces an instance that fails its health check', async () => {
    const p = pool();
    const { instanceId } = await p.send('hello');
    server.healthy = false;
    const events: string[] = [];
    p.on('unhealthy', (e) => events.push(`unhealthy ${e.instanceId}`));
    p.on('replaced', (e) => events.push(`replaced ${e.from}`));
    await p.checkHealth();
    expect(events).to.deep.equal([`unhealthy ${instanceId}`, `replaced ${instanceId}`]);
    expect(p.instanceIds()).to.have.length(1).and.not.include(instanceId);
    server.healthy = true;
    const after = await p.send('after');
    expect(after.instanceId).to.not.equal(instanceId);
  });

  it('health-checks periodically on its own', async () => {
    const p = pool({ healthIntervalMs: 20 });
    const { instanceId } = await p.send('hello');
    server.healthy = false;
    const [replaced] = await once(p, 'replaced');
    expect(replaced).to.have.property('from', instanceId);
    server.healthy = true;
  });

  it('keeps maxQueue while an unhealthy instance is being replaced', async () => {
    // Opening the replacement is held, so requests arrive while it is in flight.
    const held = gate();
    let holdSaves = false;
    class SlowStore extends MemoryInstanceStore {
      override async saveInstance(rec: Parameters<MemoryInstanceStore['saveInstance']>[0]): Promise<void> {
        if (holdSaves) await held.promise;
        return super.saveInstance(rec);
      }
    }
    const p = pool({ maxSize: 1, maxQueue: 1, instance: { store: new SlowStore() } });
    const { instanceId } = await p.send('hello');
    server.healthy = false;
    p.on('unhealthy', () => {
      holdSaves = true;
    });
    const checking = p.checkHealth();
    while (p.stats().creating === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(p.stats()).to.deep.include({ size: 0, queued: 0, creating: 1 });
    server.healthy = true;
    const first = p.send('first');
    // The replacement is not opened for a queued request: 'first' waits in the queue, which is then full.
    const second = p.send('second');
    const outcome = await Promise.race([
      second.then(
        () => 'accepted',
        (err: { code?: string }) => err.code,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still queued'), 50)),
    ]);
    expect(outcome).to.equal('E_POOL_SATURATED');
    expect(p.stats().queued).to.equal(1);
    holdSaves = false;
    held.open();
    await checking;
    const reply = await first;
    expect(reply.instanceId).to.not.equal(instanceId);
  });

  it('treats a health check that throws as unhealthy instead of rejecting', async () => {
    const p = pool({
      instance: {
        backend: () => {
          const real = new AnthropicBackend({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, model: 'claude-test', env: {} });
          return { kind: real.kind, send: (req) => real.send(req), close: () => real.close(), health: () => Promise.reject(new Error('probe exploded')) };
        },
      },
    });
    const { instanceId } = await p.send('hello');
    const replaced = once(p, 'replaced');
    await p.checkHealth();
    expect((await replaced)[0]).to.deep.equal({ from: instanceId, to: p.instanceIds()[0] });
  });

  it('fails queued requests with E_CANCELED on close and refuses new ones', async () => {
    const p = pool({ maxSize: 1 });
    const held = gate();
    server.enqueue({ kind: 'text', text: 'first', gate: held.promise });
    const first = p.send('first');
    const queued = p.send('queued');
    await server.waitForMessageRequests(1);
    const closing = p.close();
    await rejectsWith(queued, 'E_CANCELED');
    await rejectsWith(first, 'E_NOT_FOUND');
    held.open();
    await closing;
    await rejectsWith(p.send('late'), 'E_MODEL_UNAVAILABLE');
  });
});
