import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { createActor, toPromise } from 'xstate';
import { Type } from '@sinclair/typebox';
import mqtt from 'mqtt';
import { defineQuery, type HandlerContext } from '../actors/runtime/index.ts';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { createLogger } from '../logging/index.ts';
import { createOrchestrator, validateWorkflow, type Orchestrator, type WorkflowDefinition, type WorkflowResult, type WorkflowStateSnapshot } from '../actors/orchestrator/index.ts';
import { CommsError, createEnvelope, Topics } from '../protocol/index.ts';
import { WORKFLOW_STATE_MIGRATIONS, WorkflowStateStore } from '../storage/index.ts';
import { WorkflowMachine } from '../state-machines/index.ts';
import { busFixture, deferred, until } from './support/bus-fixture.ts';

type Fixture = Awaited<ReturnType<typeof busFixture>>;
type Body = Record<string, unknown>;

/** A test query taking and returning any object. */
function query(schema: string, handle: (body: Body, ctx: HandlerContext) => Promise<Body>) {
  return defineQuery({
    schema,
    description: `test query ${schema}`,
    request: Type.Record(Type.String(), Type.Unknown()),
    responseSchemaId: schema.replace('@', '.answer@'),
    response: Type.Record(Type.String(), Type.Unknown()),
    handle: (body, ctx) => handle(body as Body, ctx),
  });
}

/** Resolves when the signal aborts (a handler that runs until canceled). */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

const upper = query('upper@1', async (body) => ({ text: String(body.text).toUpperCase() }));

describe('orchestrator: workflows over a real broker', () => {
  let bus: Fixture;
  let recorder: Recorder;
  const orchestrators: Orchestrator[] = [];

  function orchestrator(): Orchestrator {
    const o = createOrchestrator({ url: bus.broker.url, statePath: join(bus.dir, 'workflows.db'), logger: createLogger('orchestrator', process.env.COMMS_LOG_LEVEL ?? 'silent') });
    orchestrators.push(o);
    return o;
  }

  function onEvent<T>(o: Orchestrator, poll: () => T | undefined): Promise<T> {
    return until((check) => {
      o.events.on('event', check);
      return () => o.events.off('event', check);
    }, poll);
  }

  function recordedWorkflow(id: string, state: string) {
    return until(
      (check) => {
        recorder.events.on('recorded', check);
        return () => recorder.events.off('recorded', check);
      },
      () => {
        try {
          const w = recorder.queries.getWorkflow(id);
          return w.state === state ? w : undefined;
        } catch {
          return undefined;
        }
      },
    );
  }

  async function control(workflowId: string, command: 'pause' | 'resume' | 'cancel'): Promise<void> {
    const raw = await mqtt.connectAsync(bus.broker.url, { clientId: `ctl-${command}`, protocolVersion: 4 });
    const envelope = createEnvelope({ kind: 'event', from: 'ctl', to: 'orchestrator', conversationId: workflowId, schema: 'workflow.control@1', body: { command } });
    await raw.publishAsync(Topics.workflowControl(workflowId), JSON.stringify(envelope), { qos: 1 });
    await raw.endAsync();
  }

  beforeEach(async () => {
    bus = await busFixture();
    recorder = createRecorder({ url: bus.broker.url, dbPath: join(bus.dir, 'comms.db'), logger: createLogger('recorder', 'silent') });
    await recorder.start();
  });

  afterEach(async () => {
    await Promise.all(orchestrators.splice(0).map((o) => o.stop().catch(() => {})));
    await recorder.stop();
    await bus.close();
  });

  it('rejects invalid definitions with E_WORKFLOW_INVALID and the path', () => {
    const invalid = (def: unknown) => {
      try {
        validateWorkflow(def);
      } catch (err) {
        return err as CommsError;
      }
      throw new Error('expected E_WORKFLOW_INVALID');
    };
    const unknownDep = invalid({ name: 'x', steps: [{ id: 'a', module: 'm', query: 'q@1', dependsOn: ['zz'] }] });
    expect(unknownDep.code).to.equal('E_WORKFLOW_INVALID');
    expect(unknownDep.details).to.deep.equal({ path: '/steps/0/dependsOn/0' });
    const cycle = invalid({ name: 'x', steps: [{ id: 'a', module: 'm', query: 'q@1', dependsOn: ['b'] }, { id: 'b', module: 'm', query: 'q@1', dependsOn: ['a'] }] });
    expect(cycle.message).to.match(/cycle a -> b -> a/);
    const badRef = invalid({
      name: 'x',
      steps: [
        { id: 'a', module: 'm', query: 'q@1' },
        { id: 'b', module: 'm', query: 'q@1', input: { nested: { t: 'x ${steps.a.output.text}' } } },
      ],
    });
    expect(badRef.details).to.deep.equal({ path: '/steps/1/input/nested/t' });
    expect(invalid({ name: 'x', steps: [{ id: 'a', query: 'q@1' }] }).message).to.match(/module or a capability/);
  });

  it('runs a DAG a -> (b, c) -> d with parallel branches and output references, via workflow.execute@1', async () => {
    const started: string[] = [];
    const both = deferred();
    const branch = query('branch@1', async (body) => {
      started.push(String(body.name));
      if (started.length === 2) both.resolve();
      await both.promise; // only returns once b and c are running at the same time
      return { text: `${String(body.name)}:${String(body.text)}` };
    });
    const join2 = query('join@1', async (body) => ({ text: `${String(body.left)}+${String(body.right)}`, count: body.count }));
    await bus.actor({ name: 'text' }).handle(upper).handle(branch).handle(join2).start();
    const o = orchestrator();
    await o.start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const definition: WorkflowDefinition = {
      id: 'dag-1',
      name: 'diamond',
      steps: [
        { id: 'a', module: 'text', query: 'upper@1', input: { text: 'hello' } },
        { id: 'b', module: 'text', query: 'branch@1', input: { name: 'b', text: '${steps.a.output.text}' }, dependsOn: ['a'] },
        { id: 'c', module: 'text', query: 'branch@1', input: { name: 'c', text: { $ref: 'steps.a.output.text' } }, dependsOn: ['a'] },
        { id: 'd', module: 'text', query: 'join@1', input: { left: '${steps.b.output.text}', right: { $ref: 'steps.c.output.text' }, count: 2 }, dependsOn: ['b', 'c'] },
      ],
    };
    const conversation = requester.request<WorkflowResult>('orchestrator', 'workflow.execute@1', { definition });
    const stages: string[] = [];
    conversation.on('progress', (p) => p.stage && stages.push(p.stage));
    const result = await conversation.result;

    expect(result.state).to.equal('completed');
    expect(started.sort()).to.deep.equal(['b', 'c']);
    expect(result.steps.d?.output).to.deep.equal({ text: 'b:HELLO+c:HELLO', count: 2 });
    expect(Object.values(result.steps).map((s) => s.state)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
    expect(stages).to.include('step d completed');

    const recorded = await recordedWorkflow('dag-1', 'completed');
    expect(recorded.steps.map((s) => [s.stepId, s.state, s.module])).to.deep.equal([
      ['a', 'completed', 'text'],
      ['b', 'completed', 'text'],
      ['c', 'completed', 'text'],
      ['d', 'completed', 'text'],
    ]);
    expect(recorded.steps[3]?.output).to.deep.equal({ text: 'b:HELLO+c:HELLO', count: 2 });
    // Each step is a conversation whose parent is the workflow.
    const children = recorder.queries.listConversations({ parentId: 'dag-1' });
    expect(children.map((c) => c.id).sort()).to.deep.equal(Object.values(result.steps).map((s) => s.conversationId).sort());
  });

  it('picks the module for a capability from the retained module cards', async () => {
    await bus.actor({ name: 'plain' }).handle(upper).start();
    await bus.actor({ name: 'special' }).handle(query('shout@1', async (body) => ({ text: `${String(body.text)}!` }))).start();
    const o = orchestrator();
    await o.start();
    const wf = o.createWorkflow({ name: 'cap', steps: [{ id: 's', capability: 'shout@1', query: 'shout@1', input: { text: 'hi' } }] });
    const result = await o.executeWorkflow(wf.id);
    expect(result.state).to.equal('completed');
    expect(result.steps.s).to.include({ module: 'special', state: 'completed' });
    expect(result.steps.s?.output).to.deep.equal({ text: 'hi!' });
  });

  it('retries a failing step (retries: 1) and succeeds on the second attempt', async () => {
    let calls = 0;
    await bus
      .actor({ name: 'flaky' })
      .handle(
        query('flaky@1', async () => {
          calls += 1;
          if (calls === 1) throw new Error('first attempt fails');
          return { ok: true };
        }),
      )
      .start();
    const o = orchestrator();
    await o.start();
    const wf = o.createWorkflow({ name: 'retry', steps: [{ id: 'one', module: 'flaky', query: 'flaky@1', retries: 1 }] });
    const result = await o.executeWorkflow(wf.id);
    expect(result.state).to.equal('completed');
    expect(calls).to.equal(2);
    expect(result.steps.one).to.include({ state: 'completed', attempts: 2 });
  });

  it('fails the workflow when a step times out; its dependents are canceled', async () => {
    await bus.actor({ name: 'slow' }).handle(query('slow@1', async (_b, ctx) => aborted(ctx.signal))).handle(upper).start();
    const o = orchestrator();
    await o.start();
    const wf = o.createWorkflow({ name: 'timeout', steps: [{ id: 'wait', module: 'slow', query: 'slow@1', timeoutMs: 300 }] });
    o.addWorkflowStep(wf.id, { id: 'after', module: 'slow', query: 'upper@1', input: { text: 'x' }, dependsOn: ['wait'] });
    const result = await o.executeWorkflow(wf.id);
    expect(result.state).to.equal('failed');
    expect(result.steps.wait?.state).to.equal('failed');
    expect(result.steps.wait?.error?.code).to.equal('E_TIMEOUT');
    expect(result.steps.after?.state).to.equal('canceled');
    expect(result.error?.code).to.equal('E_TIMEOUT');
    expect((await recordedWorkflow(wf.id, 'failed')).error?.code).to.equal('E_TIMEOUT');
  });

  it('pause (over the control topic) stops scheduling new steps; resume continues', async () => {
    const gate = deferred();
    const firstStarted = deferred();
    const ran: string[] = [];
    await bus
      .actor({ name: 'worker' })
      .handle(
        query('work@1', async (body) => {
          ran.push(String(body.name));
          if (body.name === 'first') {
            firstStarted.resolve();
            await gate.promise;
          }
          return { done: body.name };
        }),
      )
      .start();
    const o = orchestrator();
    await o.start();
    const wf = o.createWorkflow({
      name: 'pausable',
      steps: [
        { id: 'first', module: 'worker', query: 'work@1', input: { name: 'first' } },
        { id: 'second', module: 'worker', query: 'work@1', input: { name: 'second' }, dependsOn: ['first'] },
      ],
    });
    const done = o.executeWorkflow(wf.id);
    await firstStarted.promise;
    await control(wf.id, 'pause');
    await onEvent(o, () => (o.getWorkflow(wf.id)?.state === 'paused' ? true : undefined));
    gate.resolve();
    const afterFirst = await onEvent(o, () => {
      const w = o.getWorkflow(wf.id);
      return w?.steps.first?.state === 'completed' ? w : undefined;
    });
    expect(afterFirst.state).to.equal('paused');
    expect(afterFirst.steps.second?.state).to.equal('pending');
    expect(ran).to.deep.equal(['first']);
    await control(wf.id, 'resume');
    const result = await done;
    expect(result.state).to.equal('completed');
    expect(ran).to.deep.equal(['first', 'second']);
  });

  it('cancel (over the control topic) cancels the running step conversations: the responder sees its signal aborted', async () => {
    const abortedIn: string[] = [];
    const bothAborted = deferred();
    const started = deferred();
    await bus
      .actor({ name: 'worker' })
      .handle(
        query('hang@1', async (body, ctx) => {
          ctx.signal.addEventListener(
            'abort',
            () => {
              abortedIn.push(String(body.name));
              if (abortedIn.length === 2) bothAborted.resolve();
            },
            { once: true },
          );
          if (body.name === 'y') started.resolve();
          return aborted(ctx.signal);
        }),
      )
      .start();
    const o = orchestrator();
    await o.start();
    const wf = o.createWorkflow({
      name: 'cancelable',
      steps: [
        { id: 'x', module: 'worker', query: 'hang@1', input: { name: 'x' } },
        { id: 'y', module: 'worker', query: 'hang@1', input: { name: 'y' } },
        { id: 'z', module: 'worker', query: 'hang@1', input: { name: 'z' }, dependsOn: ['x'] },
      ],
    });
    const done = o.executeWorkflow(wf.id);
    await started.promise;
    await onEvent(o, () => (o.getWorkflow(wf.id)?.steps.x?.conversationId && o.getWorkflow(wf.id)?.steps.y?.conversationId ? true : undefined));
    await control(wf.id, 'cancel');
    const result = await done;
    expect(result.state).to.equal('canceled');
    expect(Object.fromEntries(Object.entries(result.steps).map(([id, s]) => [id, s.state]))).to.deep.equal({ x: 'canceled', y: 'canceled', z: 'canceled' });
    await bothAborted.promise;
    expect(abortedIn.sort()).to.deep.equal(['x', 'y']);
    const recorded = await recordedWorkflow(wf.id, 'canceled');
    expect(recorded.steps.every((s) => s.state === 'canceled')).to.equal(true);
  });

  it('stop() ends a step still waiting for a module card: no timer or listener outlives the orchestrator', async () => {
    const o = createOrchestrator({
      url: bus.broker.url,
      statePath: join(bus.dir, 'workflows.db'),
      capabilityWaitMs: 60_000,
      logger: createLogger('orchestrator', process.env.COMMS_LOG_LEVEL ?? 'silent'),
    });
    orchestrators.push(o);
    await o.start();
    const wf = o.createWorkflow({ name: 'waiting', steps: [{ id: 's', capability: 'nobody@1', query: 'nobody@1' }] });
    void o.executeWorkflow(wf.id);
    const cardArrived = (o as unknown as { capabilities: { cardArrived: import('node:events').EventEmitter } }).capabilities.cardArrived;
    // No budget of our own (a loaded machine may take long): mocha's timeout bounds the wait.
    while (cardArrived.listenerCount('change') === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(cardArrived.listenerCount('change')).to.equal(1);
    await o.stop();
    expect(cardArrived.listenerCount('change')).to.equal(0);
    // Still running in its state database, so the next orchestrator continues it.
    const stored = new WorkflowStateStore(join(bus.dir, 'workflows.db'));
    try {
      expect(stored.get(wf.id)?.state).to.equal('running');
      expect(stored.unfinished().map((w) => w.workflowId)).to.deep.equal([wf.id]);
    } finally {
      stored.close();
    }
  });

  it('a killed orchestrator is replaced by a new one on the same state database that completes the workflow without re-running completed steps', async () => {
    const runs: Record<string, number> = {};
    const secondStarted = deferred();
    await bus
      .actor({ name: 'worker' })
      .handle(
        query('count@1', async (body, ctx) => {
          const name = String(body.name);
          runs[name] = (runs[name] ?? 0) + 1;
          if (name === 'second' && runs[name] === 1) {
            secondStarted.resolve();
            return aborted(ctx.signal); // the first run hangs: the orchestrator dies meanwhile
          }
          return { name, input: body.from ?? null };
        }),
      )
      .start();
    const first = orchestrator();
    await first.start();
    const wf = first.createWorkflow({
      name: 'survivor',
      steps: [
        { id: 'first', module: 'worker', query: 'count@1', input: { name: 'first' } },
        { id: 'second', module: 'worker', query: 'count@1', input: { name: 'second' }, dependsOn: ['first'] },
        { id: 'third', module: 'worker', query: 'count@1', input: { name: 'third', from: '${steps.first.output.name}' }, dependsOn: ['second'] },
      ],
    });
    const interrupted = first.executeWorkflow(wf.id).catch((e: CommsError) => e);
    await secondStarted.promise;
    await onEvent(first, () => (first.getWorkflow(wf.id)?.steps.second?.conversationId ? true : undefined));
    await first.kill();
    // The caller of the killed orchestrator is told, not left waiting.
    expect(((await interrupted) as CommsError).code).to.equal('E_SHUTTING_DOWN');

    const second = orchestrator();
    await second.start();
    const result = await second.executeWorkflow(wf.id);
    expect(result.state).to.equal('completed');
    expect(runs).to.deep.equal({ first: 1, second: 2, third: 1 });
    expect(result.steps.third?.output).to.deep.equal({ name: 'third', input: 'first' });
    const recorded = await recordedWorkflow(wf.id, 'completed');
    expect(recorded.steps.map((s) => s.state)).to.deep.equal(['completed', 'completed', 'completed']);
  });
});

describe('WorkflowStateStore: the orchestrator\'s workflows.db', () => {
  const snapshot = (workflowId: string, state: WorkflowStateSnapshot['state'], seq: number): WorkflowStateSnapshot => ({
    workflowId,
    name: workflowId,
    state,
    seq,
    definition: { id: workflowId, name: workflowId, steps: [{ id: 's', module: 'worker', query: 'upper@1' }] },
    steps: { s: { state: state === 'completed' ? 'completed' : 'pending', attempts: seq } },
    updatedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
  });

  it('migrates a new file, replaces a workflow on save, and gives back the running and paused ones after reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflow-state-'));
    const path = join(dir, 'workflows.db');
    try {
      const first = new WorkflowStateStore(path);
      first.save(snapshot('a', 'running', 1));
      first.save(snapshot('a', 'paused', 2));
      first.save(snapshot('b', 'completed', 3));
      first.save(snapshot('c', 'pending', 0));
      first.close();
      expect(() => first.get('a')).to.throw(CommsError).with.property('code', 'E_STORAGE');

      const second = new WorkflowStateStore(path);
      try {
        expect(second.get('a')).to.deep.equal(snapshot('a', 'paused', 2));
        expect(second.get('missing')).to.equal(undefined);
        expect(second.unfinished().map((w) => [w.workflowId, w.state])).to.deep.equal([['a', 'paused']]);
      } finally {
        second.close();
      }
      const db = new BetterSqlite3(path, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).to.equal(WORKFLOW_STATE_MIGRATIONS.length);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('WorkflowMachine: output on completion', () => {
  const steps = [
    { id: 'a', dependsOn: [], retries: 0 },
    { id: 'b', dependsOn: ['a'], retries: 0 },
  ];

  it('ends with { state, steps } as its output, which toPromise resolves to', async () => {
    const machine = createActor(WorkflowMachine, { input: { steps } });
    machine.on('start-step', ({ stepId, attempt }) => queueMicrotask(() => machine.send({ type: 'STEP_COMPLETED', stepId, attempt, output: { from: stepId } })));
    const output = toPromise(machine);
    machine.start();
    machine.send({ type: 'START' });
    expect(await output).to.deep.equal({
      state: 'completed',
      steps: { a: { state: 'completed', attempts: 1, output: { from: 'a' } }, b: { state: 'completed', attempts: 1, output: { from: 'b' } } },
    });
  });

  it('names a failure and its error in the output; a stopped machine has none', async () => {
    const failing = createActor(WorkflowMachine, { input: { steps } });
    failing.on('start-step', ({ stepId, attempt }) => queueMicrotask(() => failing.send({ type: 'STEP_FAILED', stepId, attempt, error: { code: 'E_HANDLER_FAILED', message: 'boom' } })));
    const failed = toPromise(failing);
    failing.start();
    failing.send({ type: 'START' });
    const output = await failed;
    expect(output?.state).to.equal('failed');
    expect(output?.error).to.deep.include({ code: 'E_HANDLER_FAILED', message: 'step a failed: boom' });
    expect(output?.steps.b?.state).to.equal('canceled');

    const stopped = createActor(WorkflowMachine, { input: { steps } });
    const none = toPromise(stopped);
    stopped.start();
    stopped.stop();
    expect(await none).to.equal(undefined);
  });
});
