import { expect } from 'chai';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { defineQuery, type HandlerContext } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { FINAL_STATES, Topics } from '../protocol/index.ts';
import { busFixture, EchoAnswer, EchoQuery, echoQuery, until } from './support/bus-fixture.ts';

type Bus = Awaited<ReturnType<typeof busFixture>>;

/** poll()'s first defined value, checked again after each message the recorder stores. */
function whenRecorded<T>(recorder: Recorder, poll: () => T | undefined): Promise<T> {
  return until(
    (check) => {
      recorder.events.on('recorded', check);
      return () => recorder.events.off('recorded', check);
    },
    poll,
  );
}

/** A `leaf` module whose handlers run until canceled; `running(n)` resolves once n requests are in them. */
async function hangingLeaf(bus: Bus): Promise<{ contexts: HandlerContext[]; running: (n: number) => Promise<true> }> {
  const contexts: HandlerContext[] = [];
  const listeners = new Set<() => void>();
  await bus
    .actor({ name: 'leaf' })
    .handle(echoQuery('leaf', { onStart: (ctx) => (contexts.push(ctx), listeners.forEach((f) => f())), gate: new Promise<void>(() => {}) }))
    .start();
  const running = (n: number) =>
    until(
      (check) => (listeners.add(check), () => listeners.delete(check)),
      () => (contexts.length >= n ? (true as const) : undefined),
    );
  return { contexts, running };
}

/** Did the recorder store an empty retained payload (a clear) on this conversation's state topic? */
function stateCleared(dbPath: string, id: string): boolean {
  const reader = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return (reader.prepare('SELECT count(*) AS n FROM messages WHERE topic = ? AND size = 0').get(Topics.conversationState(id)) as { n: number }).n > 0;
  } finally {
    reader.close();
  }
}

describe('every conversation ends when its requester is lost', function () {
  this.timeout(60_000);

  it('a killed requester: its conversations and their children end canceled E_PEER_LOST in SQLite, responders stop its work, retained state is cleared', async () => {
    const bus = await busFixture();
    const dbPath = join(bus.dir, 'comms.db');
    const recorder = createRecorder({ url: bus.broker.url, dbPath, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    try {
      // leaf works until canceled; middle relays to leaf as a child conversation.
      const { contexts: leafStarted, running } = await hangingLeaf(bus);
      await bus
        .actor({ name: 'middle' })
        .handle(
          defineQuery({
            schema: 'relay@1',
            description: 'Asks leaf, as a child conversation.',
            request: EchoQuery,
            responseSchemaId: 'echo.answer@1',
            response: EchoAnswer,
            handle: async (body, ctx) => ctx.ask('leaf', 'echo@1', body),
          }),
        )
        .start();
      const client = await bus.actor({ name: 'client', requestDefaults: { timeoutMs: 600_000 } }).start();
      const parent = client.request('middle', 'relay@1', { text: 'nested' });
      const direct = client.request('leaf', 'echo@1', { text: 'direct' });
      void parent.result.catch(() => {});
      void direct.result.catch(() => {});
      await running(2);
      const recorded = <T>(poll: () => T | undefined) => whenRecorded(recorder, poll);
      const rows = () => recorder.queries.listConversations();
      const child = await recorded(() => rows().find((c) => c.parentId === parent.id && c.state === 'working'));
      await recorded(() => (rows().filter((c) => c.state === 'working').length === 3 ? true : undefined));

      const aborted = Promise.all(leafStarted.map((ctx) => new Promise<unknown>((resolve) => ctx.signal.addEventListener('abort', () => resolve(ctx.signal.reason), { once: true }))));
      await client.kill(); // no goodbye: the broker publishes its will (lost)

      const reasons = (await aborted) as Array<{ code: string }>;
      const directCtx = leafStarted.find((ctx) => ctx.request.conversationId === direct.id);
      expect((directCtx?.signal.reason as { code?: string }).code, 'the direct request is aborted as its requester is lost').to.equal('E_PEER_LOST');
      expect(reasons.map((r) => r.code)).to.have.length(2);

      const ended = await recorded(() => {
        const all = rows();
        return all.every((c) => FINAL_STATES.includes(c.state)) ? all : undefined;
      });
      const byId = new Map(ended.map((c) => [c.id, c]));
      for (const id of [parent.id, direct.id, child.id]) expect(byId.get(id)?.state, id).to.equal('canceled');
      expect(byId.get(parent.id)?.error?.code).to.equal('E_PEER_LOST');
      expect(byId.get(direct.id)?.error?.code).to.equal('E_PEER_LOST');
      // middle (alive) canceled its child itself when its own handler was aborted: the cascade went over the bus.
      expect(byId.get(child.id)?.error?.code).to.equal('E_CANCELED');
      expect(ended.every((c) => c.endedAt !== null)).to.equal(true);

      // The recorder cleared the retained state snapshots of the requester's conversations.
      await recorded(() => (stateCleared(dbPath, parent.id) && stateCleared(dbPath, direct.id) ? true : undefined));
    } finally {
      await recorder.stop();
      await bus.close();
    }
  });

  it('on start, the recorder ends rows left open by a requester that was lost while it was down', async () => {
    const bus = await busFixture();
    const dbPath = join(bus.dir, 'comms.db');
    let recorder = createRecorder({ url: bus.broker.url, dbPath, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    try {
      const { running } = await hangingLeaf(bus);
      const client = await bus.actor({ name: 'client', requestDefaults: { timeoutMs: 600_000 } }).start();
      const open = client.request('leaf', 'echo@1', { text: 'x' });
      void open.result.catch(() => {});
      await running(1);
      await whenRecorded(recorder, () => (recorder.queries.listConversations().find((c) => c.id === open.id && c.state === 'working') ? true : undefined));
      await recorder.actor.kill(); // the recorder crashes...
      await recorder.stop();
      const lostSeen = new Promise<void>((resolve) => bus.actors[0]?.on('peer-status', (m, s) => m === 'client' && s === 'lost' && resolve()));
      await client.kill(); // ...and while it is down the requester is lost
      await lostSeen;

      recorder = createRecorder({ url: bus.broker.url, dbPath, logger: createLogger('recorder', 'silent') });
      await recorder.start(); // the retained `lost` status arrives with the subscription
      const restarted = recorder;
      const row = await whenRecorded(restarted, () => restarted.queries.listConversations().find((c) => c.id === open.id && c.endedAt !== null));
      expect(row.state).to.equal('canceled');
      expect(row.error?.code).to.equal('E_PEER_LOST');
    } finally {
      await recorder.stop();
      await bus.close();
    }
  });

  it('only the connection that went away: another process speaking for the same module keeps its conversations', async () => {
    const bus = await busFixture();
    const dbPath = join(bus.dir, 'comms.db');
    const recorder = createRecorder({ url: bus.broker.url, dbPath, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    try {
      const { contexts, running } = await hangingLeaf(bus);
      // Two `comms ask`-style clients: module 'client', each its own client id.
      const a = await bus.actor({ name: 'client', clientId: 'client-a', requestDefaults: { timeoutMs: 600_000 } }).start();
      const b = await bus.actor({ name: 'client', clientId: 'client-b', requestDefaults: { timeoutMs: 600_000 } }).start();
      const fromA = a.request('leaf', 'echo@1', { text: 'a' });
      const fromB = b.request('leaf', 'echo@1', { text: 'b' });
      void fromA.result.catch(() => {});
      void fromB.result.catch(() => {});
      await running(2);
      const recorded = <T>(poll: () => T | undefined) => whenRecorded(recorder, poll);
      await recorded(() => (recorder.queries.listConversations().filter((c) => c.state === 'working').length === 2 ? true : undefined));
      const ctxA = contexts.find((ctx) => ctx.request.conversationId === fromA.id) as HandlerContext;
      const ctxB = contexts.find((ctx) => ctx.request.conversationId === fromB.id) as HandlerContext;
      const abortedA = new Promise<void>((resolve) => ctxA.signal.addEventListener('abort', () => resolve(), { once: true }));
      await a.kill();
      await abortedA;
      expect(ctxB.signal.aborted, "b's work goes on").to.equal(false);
      const endedA = await recorded(() => recorder.queries.listConversations().find((c) => c.id === fromA.id && c.endedAt !== null));
      expect(endedA.error?.code).to.equal('E_PEER_LOST');
      expect(recorder.queries.getTaskStatus(fromB.id).state).to.equal('working');
    } finally {
      await recorder.stop();
      await bus.close();
    }
  });

  it('the recorder, not the requester, clears the retained state of an ended conversation', async () => {
    const bus = await busFixture();
    const dbPath = join(bus.dir, 'comms.db');
    const recorder = createRecorder({ url: bus.broker.url, dbPath, stateRetentionMs: 0, logger: createLogger('recorder', 'silent') });
    await recorder.start();
    try {
      await bus.actor({ name: 'leaf' }).handle(echoQuery('leaf')).start();
      // The requester keeps no timer of its own, and dies right after the answer anyway. Progress makes the
      // conversation public, so it leaves a retained snapshot (a quiet one leaves none to clear).
      const client = await bus.actor({ name: 'client' }).start();
      const done = client.request('leaf', 'echo@1', { text: 'x', steps: 1 });
      await done.result;
      await done.flushed();
      await client.kill();
      await whenRecorded(recorder, () => (stateCleared(dbPath, done.id) ? true : undefined));
    } finally {
      await recorder.stop();
      await bus.close();
    }
  });
});
