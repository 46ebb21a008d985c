import { expect } from 'chai';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createRecorder, type Recorder } from '../actors/recorder/index.ts';
import { CommsError, Topics, createEnvelope, type ConversationEvent, type Envelope } from '../protocol/index.ts';
import { busFixture, deferred, echoQuery, until } from './support/bus-fixture.ts';

type Fixture = Awaited<ReturnType<typeof busFixture>>;

describe('conversations over a real broker', () => {
  let bus: Fixture;
  let recorder: Recorder;

  beforeEach(async () => {
    bus = await busFixture();
    recorder = createRecorder({ url: bus.broker.url, dbPath: join(bus.dir, 'comms.db'), logger: (await import('../logging/index.ts')).createLogger('recorder', 'silent') });
    await recorder.start();
  });

  afterEach(async () => {
    await recorder.stop();
    await bus.close();
  });

  function recorded<T>(poll: () => T | undefined): Promise<T> {
    return until((check) => {
      recorder.events.on('recorded', check);
      return () => recorder.events.off('recorded', check);
    }, poll);
  }

  it('completes a request, with progress and gap-free seq visible to a plain MQTT subscriber and in SQLite', async () => {
    const watcher = await mqtt.connectAsync(bus.broker.url, { clientId: 'watcher', protocolVersion: 4 });
    const seen: Envelope<ConversationEvent>[] = [];
    watcher.on('message', (_topic, payload) => seen.push(JSON.parse(payload.toString()) as Envelope<ConversationEvent>));
    await watcher.subscribeAsync(Topics.filters.allConversationEvents, { qos: 1 });

    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request<{ text: string; handledBy: string }>('responder', 'echo@1', { text: 'hello', steps: 3 });
    const percents: number[] = [];
    conversation.on('progress', (p) => percents.push(p.percent ?? -1));
    const answer = await conversation.result;
    await conversation.flushed();

    expect(answer).to.deep.equal({ text: 'hello', handledBy: 'responder' });
    expect(conversation.state).to.equal('completed');
    expect(percents).to.deep.equal([0, 33, 67, 100]);

    // The reply may complete the row before the requester's events are in: wait for its final event (seq 7).
    const status = await recorded(() => {
      const s = recorder.queries.listConversations().find((c) => c.id === conversation.id);
      return s?.state === 'completed' && s.lastSeq === 7 ? s : undefined;
    });
    expect(status).to.include({ requester: 'requester', responder: 'responder', query: 'echo@1', percent: 100 });
    expect(status.result).to.deep.equal(answer);

    const events = recorder.queries.getConversationEvents(conversation.id);
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    expect(events.map((e) => e.event.state)).to.deep.equal(['submitted', 'working', 'working', 'working', 'working', 'working', 'completed']);
    expect(recorder.queries.getConversationEvents(conversation.id, 5).map((e) => e.seq)).to.deep.equal([6, 7]);

    await until((check) => {
      watcher.on('message', check);
      return () => watcher.off('message', check);
    }, () => (seen.length >= events.length ? true : undefined));
    expect(seen.map((e) => e.seq)).to.deep.equal(events.map((e) => e.seq));
    expect(seen.at(-1)?.body.state).to.equal('completed');
    await watcher.endAsync();
  });

  it('answers invalid JSON in an inbox with a dead letter and keeps the bytes in SQLite', async () => {
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
    const raw = await mqtt.connectAsync(bus.broker.url, { clientId: 'raw', protocolVersion: 4 });
    const deadLetter = new Promise<Envelope<{ reason: { code: string }; payload: string }>>((resolve) => raw.on('message', (_t, p) => resolve(JSON.parse(p.toString()))));
    await raw.subscribeAsync(Topics.deadletter('responder'), { qos: 1 });
    await raw.publishAsync(Topics.moduleInbox('responder'), '{"not json', { qos: 1 });

    const letter = await deadLetter;
    expect(letter.body.reason.code).to.equal('E_JSON_INVALID');
    expect(letter.body.payload).to.equal('{"not json');
    const invalid = await recorded(() => recorder.queries.listMessages({ invalidOnly: true })[0]);
    expect(invalid).to.include({ topic: Topics.moduleInbox('responder'), valid: false, errorCode: 'E_JSON_INVALID' });
    expect(invalid.payload).to.equal('{"not json');
    await raw.endAsync();
  });

  it('rejects a schema-invalid request with E_SCHEMA_INVALID naming the field, and dead-letters it', async () => {
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('responder', 'echo@1', { txt: 'typo' });
    const error = await conversation.result.then(() => undefined, (e: CommsError) => e);
    expect(error).to.be.instanceOf(CommsError);
    expect(error?.code).to.equal('E_SCHEMA_INVALID');
    expect(error?.message).to.match(/\/text/);
    expect(conversation.state).to.equal('rejected');
    const letter = await recorded(() => recorder.queries.listDeadLetters()[0]);
    expect((letter.payload as Envelope<{ reason: { code: string } }>).body.reason.code).to.equal('E_SCHEMA_INVALID');
  });

  it('rejects unknown queries and unsupported versions with distinct codes', async () => {
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const unknown = await requester.ask('responder', 'nothing@1', {}).catch((e: CommsError) => e);
    const version = await requester.ask('responder', 'echo@2', { text: 'x' }).catch((e: CommsError) => e);
    expect((unknown as CommsError).code).to.equal('E_UNKNOWN_QUERY');
    expect((version as CommsError).code).to.equal('E_VERSION_UNSUPPORTED');
    expect((version as CommsError).message).to.contain('echo@1');
  });

  it('re-sends an unacknowledged request with the same id until the responder comes up', async () => {
    const requester = await bus.actor({ name: 'requester' }).start();
    const handled: string[] = [];
    const conversation = requester.request('late', 'echo@1', { text: 'are you there' }, { ackTimeoutMs: 100, maxAttempts: 200, timeoutMs: 20_000 });
    // 200 re-sends (20 s, the conversation's own limit) leave a loaded machine time to start the responder.
    // Bring the responder up once a re-send has been recorded.
    await recorded(() => recorder.queries.getConversationEvents(conversation.id).find((e) => e.event.type === 'attempt'));
    await bus.actor({ name: 'late' }).handle(echoQuery('late', { onStart: (ctx) => handled.push(ctx.request.id) })).start();
    await conversation.result;
    const status = await recorded(() => {
      const s = recorder.queries.listConversations().find((c) => c.id === conversation.id);
      return s?.state === 'completed' ? s : undefined;
    });
    expect(status.attempts).to.be.greaterThan(1);
    expect(handled).to.deep.equal([conversation.requestId]);
    // Every attempt carries the same message id, so the recorder keeps one row for all of them.
    const sends = recorder.queries.listMessages({ topicPrefix: Topics.moduleInbox('late') });
    expect(sends.map((m) => m.messageId)).to.deep.equal([conversation.requestId]);
  });

  it('times out with E_TIMEOUT when nobody answers, and never fakes a result', async () => {
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('nobody', 'echo@1', { text: 'hello?' }, { ackTimeoutMs: 50, maxAttempts: 3, timeoutMs: 5_000 });
    const error = await conversation.result.catch((e: CommsError) => e);
    expect((error as CommsError).code).to.equal('E_TIMEOUT');
    expect(conversation.state).to.equal('timed-out');
  });

  it('cancels a running conversation and aborts the handler', async () => {
    const started = deferred<AbortSignal>();
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder', { onStart: (ctx) => started.resolve(ctx.signal), gate: new Promise(() => {}) })).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('responder', 'echo@1', { text: 'long job' });
    const signal = await started.promise;
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    conversation.cancel('changed my mind');
    const error = await conversation.result.catch((e: CommsError) => e);
    await aborted;
    expect((error as CommsError).code).to.equal('E_CANCELED');
    expect(conversation.state).to.equal('canceled');
    expect(signal.aborted).to.equal(true);
  });

  it('stopping the requester cancels its open conversations and still sends the cancel and the final event', async () => {
    const started = deferred();
    const canceled = deferred();
    await bus
      .actor({ name: 'responder' })
      .handle(echoQuery('responder', { onStart: (ctx) => { started.resolve(); ctx.signal.addEventListener('abort', () => canceled.resolve()); }, gate: new Promise(() => {}) }))
      .start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('responder', 'echo@1', { text: 'long job' });
    await started.promise;
    await requester.stop();
    expect(conversation.state).to.equal('canceled');
    await canceled.promise;
    const status = await recorded(() => {
      const s = recorder.queries.listConversations().find((c) => c.id === conversation.id);
      return s?.state === 'canceled' ? s : undefined;
    });
    expect(status.state).to.equal('canceled');
  });

  it('ignores an invalid progress report and turns an invalid error body into E_SCHEMA_INVALID', async () => {
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('nobody', 'echo@1', { text: 'x' }, { ackTimeoutMs: 60_000, timeoutMs: 60_000 });
    await conversation.flushed();
    const raw = await mqtt.connectAsync(bus.broker.url, { clientId: 'raw', protocolVersion: 4 });
    const answer = (kind: 'progress' | 'error', body: unknown) =>
      raw.publishAsync(
        requester.replyTopic,
        JSON.stringify(createEnvelope({ kind, from: 'nobody', to: 'requester', conversationId: conversation.id, correlationId: conversation.requestId, schema: `${kind}@1`, body })),
        { qos: 1 },
      );
    await answer('progress', { percent: 'lots' });
    await answer('progress', { percent: 40 });
    await until((check) => {
      conversation.on('progress', check);
      return () => conversation.off('progress', check);
    }, () => (conversation.percent === 40 ? true : undefined));
    await answer('error', { code: 'E_BOGUS' });
    const error = (await conversation.result.catch((e: CommsError) => e)) as CommsError;
    expect(error.code).to.equal('E_SCHEMA_INVALID');
    expect(error.message).to.match(/error from nobody is invalid/);
    expect(conversation.state).to.equal('failed');
    await raw.endAsync();
  });

  it('does not treat a malformed status message as the responder going lost', async () => {
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('nobody', 'echo@1', { text: 'x' }, { ackTimeoutMs: 60_000, timeoutMs: 60_000, peerGraceMs: 20 });
    await conversation.flushed();
    const raw = await mqtt.connectAsync(bus.broker.url, { clientId: 'raw', protocolVersion: 4 });
    const junk = createEnvelope({ kind: 'event', from: 'nobody', to: '*', conversationId: 'session', schema: 'module.status@1', body: { mood: 'grumpy' } });
    // A valid status after the junk, on the same topic from the same client, arrives after it: once the
    // requester has seen it, the junk has been handled too.
    const fence = new Promise<void>((resolve) => requester.on('peer-status', (module: string, state: string) => module === 'nobody' && state === 'online' && resolve()));
    const online = createEnvelope({ kind: 'event', from: 'nobody', to: '*', conversationId: 'session', schema: 'module.status@1', body: { state: 'online', sessionId: 's', clientId: 'nobody', at: new Date().toISOString() } });
    await raw.publishAsync(Topics.moduleStatus('nobody'), JSON.stringify(junk), { qos: 1 });
    await raw.publishAsync(Topics.moduleStatus('nobody'), JSON.stringify(online), { qos: 1 });
    await fence;
    await raw.endAsync();
    expect(conversation.state).to.equal('submitted');
    conversation.cancel();
  });

  it('lets go of the parent signal when a child request settles', async () => {
    const { getEventListeners } = await import('node:events') as unknown as { getEventListeners: (target: EventTarget, name: string) => unknown[] };
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const parent = new AbortController();
    for (let i = 0; i < 3; i++) await requester.ask('responder', 'echo@1', { text: `n${i}` }, { signal: parent.signal });
    expect(getEventListeners(parent.signal, 'abort')).to.have.length(0);
  });

  it('fails with E_PEER_LOST when the responder dies mid-work and does not come back', async () => {
    const started = deferred();
    const responder = await bus.actor({ name: 'responder' }).handle(echoQuery('responder', { onStart: () => started.resolve(), gate: new Promise(() => {}) })).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('responder', 'echo@1', { text: 'x' }, { peerGraceMs: 200 });
    await started.promise;
    await responder.kill();
    const error = await conversation.result.catch((e: CommsError) => e);
    expect((error as CommsError).code).to.equal('E_PEER_LOST');
    expect(conversation.state).to.equal('failed');
  });

  it('asks the requester for input and goes on with the answer (input-required)', async () => {
    const { Type } = await import('@sinclair/typebox');
    const { defineQuery } = await import('../actors/runtime/index.ts');
    await bus
      .actor({ name: 'asker' })
      .handle(
        defineQuery({
          schema: 'greet@1',
          description: 'Asks for a name, then greets.',
          request: Type.Object({}),
          responseSchemaId: 'greeting@1',
          response: Type.Object({ greeting: Type.String() }),
          handle: async (_body, ctx) => ({ greeting: `hello ${String(await ctx.askInput('what is your name?'))}` }),
        }),
      )
      .start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request<{ greeting: string }>('asker', 'greet@1', {});
    const states: string[] = [];
    conversation.on('state', (s) => states.push(s));
    conversation.on('input-required', (prompt) => {
      expect(prompt).to.equal('what is your name?');
      conversation.provideInput('ada');
    });
    expect(await conversation.result).to.deep.equal({ greeting: 'hello ada' });
    expect(states).to.include.members(['input-required', 'working', 'completed']);
  });

  it('de-duplicates a re-delivered request: the handler runs once and the cached reply is sent again', async () => {
    let runs = 0;
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder', { onStart: () => runs++ })).start();
    const raw = await mqtt.connectAsync(bus.broker.url, { clientId: 'raw-requester', protocolVersion: 4 });
    const replies: Envelope[] = [];
    const twoReplies = new Promise<void>((resolve) =>
      raw.on('message', (_t, p) => {
        const e = JSON.parse(p.toString()) as Envelope;
        if (e.kind === 'reply') replies.push(e);
        if (replies.length === 2) resolve();
      }),
    );
    await raw.subscribeAsync(Topics.replies('raw-requester'), { qos: 1 });
    const request = createEnvelope({ kind: 'request', from: 'raw-requester', to: 'responder', conversationId: 'c1', replyTo: Topics.replies('raw-requester'), schema: 'echo@1', body: { text: 'once' } });
    await raw.publishAsync(Topics.moduleInbox('responder'), JSON.stringify(request), { qos: 1 });
    await until((check) => { raw.on('message', check); return () => raw.off('message', check); }, () => (replies.length === 1 ? true : undefined));
    await raw.publishAsync(Topics.moduleInbox('responder'), JSON.stringify(request), { qos: 1 });
    await twoReplies;
    expect(runs).to.equal(1);
    expect(replies[0]?.id).to.equal(replies[1]?.id);
    await raw.endAsync();
  });

  it('publishes a conversation\'s final events even when the requester stops right after the result', async () => {
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
    const requester = await bus.actor({ name: 'requester' }).start();
    // Public from the start: a quiet conversation ended by its reply has no final event to publish.
    const conversation = requester.request('responder', 'echo@1', { text: 'and goodbye' }, { eventsAfterMs: 0 });
    await conversation.result;
    await requester.stop();
    const status = await recorded(() => {
      const s = recorder.queries.listConversations().find((c) => c.id === conversation.id);
      return s?.state === 'completed' ? s : undefined;
    });
    expect(status.lastSeq).to.be.greaterThan(0);
    expect(status.lastSeq).to.equal(recorder.queries.getConversationEvents(conversation.id).length);
  });

  it('rejects askInput at once when the request was already canceled, instead of waiting forever', async () => {
    const { Type } = await import('@sinclair/typebox');
    const { defineQuery } = await import('../actors/runtime/index.ts');
    const askedAfterCancel = deferred<string>();
    await bus
      .actor({ name: 'asker' })
      .handle(
        defineQuery({
          schema: 'late.ask@1',
          description: 'Asks for input only after it was canceled.',
          request: Type.Object({}),
          responseSchemaId: 'late.answer@1',
          response: Type.Object({}),
          handle: async (_body, ctx) => {
            await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
            await ctx.askInput('too late?').then(
              () => askedAfterCancel.resolve('answered'),
              (err: CommsError) => askedAfterCancel.resolve(err.code),
            );
            return {};
          },
        }),
      )
      .start();
    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('asker', 'late.ask@1', {});
    await new Promise<void>((resolve) => conversation.on('state', (s) => s === 'working' && resolve()));
    conversation.cancel('no time');
    expect(await askedAfterCancel.promise).to.equal('E_CANCELED');
  });
});
