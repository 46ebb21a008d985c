import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import { createActor, toPromise } from 'xstate';
import {
  AnthropicBackend,
  BackgroundInstance,
  createBackend,
  createBackgroundInstance,
  getBackgroundResult,
  InstanceMachine,
  MemoryInstanceStore,
  OFFLINE_TEXT_MARKER,
  OfflineBackend,
  schemaIssues,
  sendToBackground,
  systemPromptFromCard,
  type InstanceState,
  type JsonSchemaObject,
} from '../instances/index.ts';
import { apiKeyOf, MessagesApiServer } from './fixtures/messages-api-server.ts';
import { gate, requirementsCard } from './fixtures/instance-cards.ts';
import { rejectsWith } from './support/rejection.ts';

const validRequirements = { schemaVersion: 1, fields: ['title', 'sections'] };

describe('instances: anthropic backend against the loopback Messages API', () => {
  let server: MessagesApiServer;
  beforeEach(async () => {
    server = await MessagesApiServer.start();
  });
  afterEach(async () => {
    await server.close();
  });

  const backend = (extra: Partial<ConstructorParameters<typeof AnthropicBackend>[0]> = {}): AnthropicBackend =>
    new AnthropicBackend({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, model: 'claude-test', env: {}, ...extra });

  it('streams a text answer, caches system prompt and history, and sends the history back', async () => {
    // The default model (claude-sonnet-4-5), which SDK 1.13 warns about as deprecated on every request.
    const instance = await createBackgroundInstance(requirementsCard, { backend: backend({ model: undefined }) });
    server.enqueue({ kind: 'text', text: 'Hello from the arangodb module instance.' });
    const deltas: string[] = [];
    const first = await instance.send('Who are you?', { onText: (d) => deltas.push(d) });
    expect(first.text).to.equal('Hello from the arangodb module instance.');
    expect(deltas.length).to.be.greaterThan(1);
    expect(deltas.join('')).to.equal(first.text);
    expect(first.usage.cacheCreationInputTokens).to.be.greaterThan(0);

    const second = await instance.send('And again?');
    expect(second.text).to.equal('echo: And again?');
    expect(second.usage.cacheReadInputTokens).to.be.greaterThan(0);

    const [req1, req2] = server.messageRequests;
    expect(apiKeyOf(req1)).to.equal('test-key');
    expect(req1?.headers['anthropic-version']).to.be.a('string');
    expect(req1?.body?.stream).to.equal(true);
    expect(req1?.body?.model).to.equal('claude-sonnet-4-5');
    expect(req1?.body?.system).to.deep.equal([
      { type: 'text', text: systemPromptFromCard(requirementsCard), cache_control: { type: 'ephemeral' } },
    ]);
    const messages = req2?.body?.messages ?? [];
    expect(messages.map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user']);
    expect(messages.map((m) => (Array.isArray(m.content) ? m.content[0]?.text : m.content))).to.deep.equal([
      'Who are you?',
      'Hello from the arangodb module instance.',
      'And again?',
    ]);
    // Only the last block carries the cache breakpoint (the whole prefix is cached).
    const marks = messages.map((m) => (Array.isArray(m.content) ? m.content.some((b) => b.cache_control) : false));
    expect(marks).to.deep.equal([false, false, true]);
    expect(instance.history.map((t) => t.seq)).to.deep.equal([1, 2, 3, 4]);
    await instance.close();
  });

  it('takes the model from COMMS_MODEL and the base URL from ANTHROPIC_BASE_URL', async () => {
    const b = new AnthropicBackend({ env: { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: server.url, COMMS_MODEL: 'claude-test-1' }, maxRetries: 0 });
    const reply = await b.send({ system: 's', messages: [{ role: 'user', content: 'hi' }] });
    expect(reply.text).to.equal('echo: hi');
    expect(server.messageRequests[0]?.body?.model).to.equal('claude-test-1');
    expect(apiKeyOf(server.messageRequests[0])).to.equal('k');
  });

  it('forces structured output through one tool whose input_schema is the answer schema', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: backend() });
    server.enqueue({ kind: 'tool', input: validRequirements });
    const reply = await instance.answer('pdf.requirements.query@1', { kinds: ['pdf'] });
    expect(reply.value).to.deep.equal(validRequirements);
    expect(reply.attempts).to.equal(1);
    const body = server.messageRequests[0]?.body;
    expect(body?.tools).to.have.length(1);
    const tool = body?.tools?.[0];
    expect(tool?.name).to.equal('answer_pdf_requirements_1');
    expect(tool?.input_schema).to.deep.include({ type: 'object', required: ['schemaVersion', 'fields'], additionalProperties: false });
    expect(body?.tool_choice).to.deep.equal({ type: 'tool', name: 'answer_pdf_requirements_1' });
    // The stored assistant turn is the JSON answer, so the next request's history is plain text.
    expect(JSON.parse(instance.history[1]?.content ?? '')).to.deep.equal(validRequirements);
    await instance.close();
  });

  it('wraps a non-object schema as { value } for the tool and unwraps the answer', async () => {
    server.enqueue({ kind: 'tool', input: { value: ['a', 'b'] } });
    const reply = await backend().send({
      system: 's',
      messages: [{ role: 'user', content: 'list' }],
      schema: Type.Array(Type.String()),
    });
    expect(reply.structured).to.deep.equal(['a', 'b']);
    expect(server.messageRequests[0]?.body?.tools?.[0]?.input_schema).to.deep.equal({
      type: 'object',
      properties: { value: { type: 'array', items: { type: 'string' } } },
      required: ['value'],
    });
  });

  it('retries a 429 after the time retry-after says, then succeeds', async () => {
    server.enqueue(
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit', headers: { 'retry-after': '1' } },
      { kind: 'text', text: 'after the limit' },
    );
    const reply = await backend({ maxRetries: 2 }).send({ system: 's', messages: [{ role: 'user', content: 'x' }] });
    expect(reply.text).to.equal('after the limit');
    expect(server.messageRequests).to.have.length(2);
    const [a, b] = server.messageRequests;
    // The SDK's own backoff for a first retry is at most 500 ms; waiting ~1 s proves retry-after was honoured.
    expect((b?.receivedAt ?? 0) - (a?.receivedAt ?? 0)).to.be.at.least(950);
    expect(b?.headers['x-stainless-retry-count']).to.equal('1');
  });

  it('retries 529 overloaded, and fails with E_MODEL_UNAVAILABLE when retries run out', async () => {
    server.enqueue({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after': '0.05' } });
    server.enqueue({ kind: 'text', text: 'recovered' });
    const ok = await backend({ maxRetries: 1 }).send({ system: 's', messages: [{ role: 'user', content: 'x' }] });
    expect(ok.text).to.equal('recovered');

    server.enqueue(
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after': '0.05' } },
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after': '0.05' } },
    );
    const err = await rejectsWith(backend({ maxRetries: 1 }).send({ system: 's', messages: [{ role: 'user', content: 'x' }] }), 'E_MODEL_UNAVAILABLE');
    expect(err.details).to.deep.include({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
    expect(server.messageRequests).to.have.length(4);
  });

  it('does not retry a 400 invalid_request_error and reports it', async () => {
    server.enqueue({ kind: 'error', status: 400, type: 'invalid_request_error', message: 'messages: roles must alternate' });
    const err = await rejectsWith(backend({ maxRetries: 3 }).send({ system: 's', messages: [{ role: 'user', content: 'x' }] }), 'E_MODEL_UNAVAILABLE');
    expect(err.details).to.deep.include({ status: 400, type: 'invalid_request_error', message: 'messages: roles must alternate' });
    expect(server.messageRequests).to.have.length(1);
  });

  it('feeds validation errors back and accepts the corrected answer', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: backend() });
    server.enqueue({ kind: 'tool', input: { schemaVersion: 0, fields: [] } }, { kind: 'tool', input: validRequirements });
    const reply = await instance.answer('pdf.requirements.query@1', { kinds: ['pdf'] });
    expect(reply.value).to.deep.equal(validRequirements);
    expect(reply.attempts).to.equal(2);
    const second = server.messageRequests[1]?.body?.messages ?? [];
    expect(second.map((m) => m.role)).to.deep.equal(['user', 'assistant', 'user']);
    const correction = Array.isArray(second[2]?.content) ? (second[2]?.content[0]?.text ?? '') : '';
    expect(correction).to.contain('does not validate against pdf.requirements@1');
    expect(correction).to.contain('/schemaVersion');
    expect(correction).to.contain('/fields');
    await instance.close();
  });

  it('fails with E_MODEL_INVALID_OUTPUT and the errors in details after the retries', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: backend(), maxValidationRetries: 1 });
    server.enqueue({ kind: 'tool', input: { fields: ['x'] } }, { kind: 'tool', input: { schemaVersion: 'one', fields: ['x'] } });
    const err = await rejectsWith(instance.answer('pdf.requirements.query@1', { kinds: [] }), 'E_MODEL_INVALID_OUTPUT');
    const details = err.details as { attempts: number; issues: Array<{ path: string; message: string }>; schemaId: string };
    expect(details.attempts).to.equal(2);
    expect(details.schemaId).to.equal('pdf.requirements@1');
    expect(details.issues.map((i) => i.path)).to.include('/schemaVersion');
    expect(server.messageRequests).to.have.length(2);
    expect(instance.state).to.equal('idle');
    expect(instance.stats.failures).to.equal(1);
    await instance.close();
  });

  it('rejects request bodies that do not match the query type, and unknown query types', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: backend() });
    await rejectsWith(instance.answer('pdf.requirements.query@1', { kinds: 'pdf' }), 'E_SCHEMA_INVALID');
    await rejectsWith(instance.answer('nope.query@1', {}), 'E_UNKNOWN_QUERY');
    expect(server.messageRequests).to.have.length(0);
    await instance.close();
  });

  it('aborts a running request with E_CANCELED', async () => {
    const held = gate();
    server.enqueue({ kind: 'text', text: 'late', gate: held.promise });
    const instance = await createBackgroundInstance(requirementsCard, { backend: backend() });
    const controller = new AbortController();
    const pending = instance.send('slow', { signal: controller.signal });
    await server.waitForMessageRequests(1);
    controller.abort();
    await rejectsWith(pending, 'E_CANCELED');
    expect(instance.state).to.equal('idle');
    held.open();
    // The unanswered prompt stays in the history but is not sent to the model again.
    await instance.send('next');
    const sent = server.messageRequests.at(-1)?.body?.messages ?? [];
    expect(sent.map((m) => (Array.isArray(m.content) ? m.content[0]?.text : m.content))).to.deep.equal(['next']);
    expect(instance.history.map((t) => t.content)).to.deep.equal(['slow', 'next', 'echo: next']);
    await instance.close();
  });

  it('reports health from GET /v1/models', async () => {
    const b = backend();
    expect(await b.health()).to.equal(true);
    server.healthy = false;
    expect(await b.health()).to.equal(false);
  });

  it('refuses to start without an API key', () => {
    expect(() => new AnthropicBackend({ env: {} })).to.throw(/ANTHROPIC_API_KEY/);
  });
});

describe('instances: offline backend', () => {
  it('is what auto picks without ANTHROPIC_API_KEY, and anthropic with it', () => {
    expect(createBackend('auto', { env: {} }).kind).to.equal('offline');
    expect(createBackend('auto', { env: { ANTHROPIC_API_KEY: 'k' } }).kind).to.equal('anthropic');
  });

  it('answers structured requests only from its rule-based knowledge, never with a value made up from the schema', async () => {
    const b = new OfflineBackend({ card: requirementsCard, knowledge: { 'pdf.requirements@1': validRequirements } });
    const tb = requirementsCard.queries[0]!.responseSchema;
    const ask = (s: JsonSchemaObject, schemaId?: string): ReturnType<OfflineBackend['send']> =>
      b.send({ system: 's', messages: [{ role: 'user', content: 'q' }], schema: s, ...(schemaId ? { schemaId } : {}) });

    const known = await ask(tb, 'pdf.requirements@1');
    expect(known.structured).to.deep.equal(validRequirements);

    // No rule: a default, an example or a synthesised minimal value would look like a real answer.
    const schema = Type.Object({ answer: Type.String(), confidence: Type.Number() }, { default: { answer: '', confidence: 0 } });
    const err = await rejectsWith(ask(schema, 'ask.result@1'), 'E_MODEL_UNAVAILABLE');
    expect(err.message).to.contain('ANTHROPIC_API_KEY').and.to.contain('`claude` CLI');
    expect(err.details).to.deep.include({ schemaId: 'ask.result@1', backend: 'offline' });
    expect(String((err.details as { hint?: unknown }).hint)).to.contain('ANTHROPIC_API_KEY');
    await rejectsWith(ask(schema), 'E_MODEL_UNAVAILABLE');

    // A rule that does not validate is reported, not replaced.
    const bad = new OfflineBackend({ knowledge: { 'pdf.requirements@1': { schemaVersion: 0 } } });
    await rejectsWith(bad.send({ system: 's', messages: [{ role: 'user', content: 'q' }], schema: tb, schemaId: 'pdf.requirements@1' }), 'E_MODEL_INVALID_OUTPUT');
  });

  it('is deterministic across instances and answers text from the card', async () => {
    const backendOptions = { knowledge: { 'pdf.requirements@1': validRequirements } };
    const one = await createBackgroundInstance(requirementsCard, { backend: 'offline', backendOptions });
    const two = await createBackgroundInstance(requirementsCard, { backend: 'offline', backendOptions });
    const a = await one.answer('pdf.requirements.query@1', { kinds: ['pdf'] });
    const b = await two.answer('pdf.requirements.query@1', { kinds: ['pdf'] });
    expect(a.value).to.deep.equal(b.value);
    expect(schemaIssues(requirementsCard.queries[0]!.responseSchema, a.value)).to.deep.equal([]);
    const t1 = await one.send('What do you do?');
    const t2 = await two.send('What do you do?');
    expect(t1.text).to.equal(t2.text);
    expect(t1.text.startsWith(OFFLINE_TEXT_MARKER)).to.equal(true);
    expect(t1.text).to.contain('arangodb 1.0.0');
    expect(t1.text).to.contain('pdf.requirements.query@1 -> pdf.requirements@1');
    await Promise.all([one.close(), two.close()]);
  });
});

describe('instances: validating against plain JSON Schema (Ajv)', () => {
  it('validates plain JSON Schema (refs, enums, unions, nullable types, tuples)', () => {
    const schema: JsonSchemaObject = {
      type: 'object',
      $defs: { kind: { enum: ['text', 'table'] } },
      properties: {
        kind: { $ref: '#/$defs/kind' },
        n: { type: ['integer', 'null'] },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
        any: { anyOf: [{ type: 'string' }, { type: 'boolean' }] },
        when: { type: 'string', format: 'x-format-nobody-registered' },
      },
      required: ['kind'],
      additionalProperties: false,
    };
    expect(schemaIssues(schema, { kind: 'text', n: null, pair: ['a', 1], any: true, when: 'whenever' })).to.deep.equal([]);
    expect(schemaIssues(schema, { kind: 'figure' }).length).to.be.greaterThan(0);
    expect(schemaIssues(schema, { kind: 'table', extra: 1 }).length).to.be.greaterThan(0);
    expect(schemaIssues(schema, { kind: 'table', n: 1.5 }).length).to.be.greaterThan(0);
  });

  it('names the path and what was wrong, a missing or extra property included', () => {
    const schema = requirementsCard.queries[0]!.responseSchema;
    const issues = schemaIssues(schema, { fields: [7], extra: true });
    expect(issues).to.deep.include({ path: '/schemaVersion', message: 'is required but missing' });
    expect(issues).to.deep.include({ path: '/extra', message: 'is not allowed (no such property in the schema)' });
    expect(issues).to.deep.include({ path: '/fields/0', message: 'must be string' });
    expect(schemaIssues({ enum: ['a', 'b'] }, 'c')).to.deep.equal([{ path: '/', message: 'must be equal to one of the allowed values: "a", "b"' }]);
  });

  it('reads TypeBox tuples (items arrays) and, when declared, draft 2020-12 prefixItems; schemas sharing an $id both compile', () => {
    const bbox = Type.Object({ bbox: Type.Tuple([Type.Number(), Type.Number()]) });
    expect(schemaIssues(bbox, { bbox: [1, 2] })).to.deep.equal([]);
    expect(schemaIssues(bbox, { bbox: [1, 'x'] }).map((i) => i.path)).to.include('/bbox/1');
    expect(schemaIssues(bbox, { bbox: [1, 2, 3] }).length).to.be.greaterThan(0);
    const pair = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] };
    expect(schemaIssues(pair, [1]).map((i) => i.path)).to.deep.equal(['/0']);
    expect(schemaIssues({ $id: 'same', type: 'string' }, 1).length).to.equal(1);
    expect(schemaIssues({ $id: 'same', type: 'number' }, 1)).to.deep.equal([]);
  });

  it('reports a schema Ajv cannot compile as E_CONFIG_INVALID', () => {
    expect(() => schemaIssues({ type: 'object', required: 'kind' }, {}))
      .to.throw(/cannot be compiled/)
      .with.property('code', 'E_CONFIG_INVALID');
  });
});

describe('instances: InstanceMachine', () => {
  const start = (): ReturnType<typeof createActor<typeof InstanceMachine>> => createActor(InstanceMachine, { input: { instanceId: 'i1' } }).start();

  it('goes idle -> busy -> idle and counts requests and failures', () => {
    const actor = start();
    expect(actor.getSnapshot().value).to.equal('idle');
    actor.send({ type: 'SEND' });
    expect(actor.getSnapshot().value).to.equal('busy');
    actor.send({ type: 'SEND' }); // ignored while busy
    actor.send({ type: 'DONE', ok: false, error: 'boom' });
    expect(actor.getSnapshot().value).to.equal('idle');
    expect(actor.getSnapshot().context).to.deep.include({ requests: 1, failures: 1, lastError: 'boom' });
  });

  it('pauses after the running request, resumes, fails on health, terminates for good', () => {
    const actor = start();
    actor.send({ type: 'SEND' });
    actor.send({ type: 'PAUSE' });
    expect(actor.getSnapshot().value).to.equal('busy');
    actor.send({ type: 'DONE', ok: true });
    expect(actor.getSnapshot().value).to.equal('paused');
    actor.send({ type: 'SEND' });
    expect(actor.getSnapshot().value).to.equal('paused');
    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).to.equal('idle');
    actor.send({ type: 'HEALTH_FAILED', reason: 'no backend' });
    expect(actor.getSnapshot().value).to.equal('failed');
    actor.send({ type: 'RESUME' });
    expect(actor.getSnapshot().value).to.equal('failed');
    actor.send({ type: 'TERMINATE' });
    expect(actor.getSnapshot().value).to.equal('terminated');
    expect(actor.getSnapshot().status).to.equal('done');
  });

  it('gives its counts as output when terminated, for toPromise and the like', async () => {
    const actor = start();
    const done = toPromise(actor);
    actor.send({ type: 'SEND' });
    actor.send({ type: 'DONE', ok: false, error: 'boom' });
    actor.send({ type: 'TERMINATE' });
    expect(await done).to.deep.equal({ instanceId: 'i1', requests: 1, failures: 1, lastError: 'boom' });
  });
});

describe('instances: BackgroundInstance lifecycle and background results', () => {
  it('holds requests while paused and runs them on resume', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: 'offline' });
    const states: InstanceState[] = [];
    instance.on('state', (s) => states.push(s));
    await instance.pause();
    let settled = false;
    const pending = instance.send('What do you do?').finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).to.equal(false);
    expect(instance.state).to.equal('paused');
    await instance.resume();
    const reply = await pending;
    expect(reply.text).to.contain('arangodb');
    expect(states).to.deep.equal(['paused', 'idle', 'busy', 'idle']);
    await instance.close();
  });

  it('ends a request held while paused: E_CANCELED when its signal aborts, E_NOT_FOUND when the instance closes', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: 'offline' });
    await instance.pause();
    const controller = new AbortController();
    const canceled = instance.send('first', { signal: controller.signal });
    controller.abort();
    await rejectsWith(canceled, 'E_CANCELED');
    const held = instance.send('second');
    await new Promise((resolve) => setImmediate(resolve));
    await instance.close();
    await rejectsWith(held, 'E_NOT_FOUND');
    expect(instance.history).to.deep.equal([]);
  });

  it('closes the backend it created when the stored history cannot be loaded', async () => {
    const store = new MemoryInstanceStore();
    await (await createBackgroundInstance(requirementsCard, { backend: 'offline', store, id: 'broken-1' })).close();
    store.loadTurns = () => Promise.reject(new Error('disk gone'));
    let closed = 0;
    const backend = (): OfflineBackend => {
      const b = new OfflineBackend({ card: requirementsCard });
      const close = b.close.bind(b);
      b.close = () => {
        closed++;
        return close();
      };
      return b;
    };
    try {
      await BackgroundInstance.open(requirementsCard, { backend, store, id: 'broken-1' });
      expect.fail('open should have failed');
    } catch (err) {
      expect((err as Error).message).to.equal('disk gone');
    }
    expect(closed).to.equal(1);
  });

  it('refuses work after terminate, and a terminated id cannot be reopened', async () => {
    const store = new MemoryInstanceStore();
    const instance = await createBackgroundInstance(requirementsCard, { backend: 'offline', store, id: 'term-1' });
    await instance.send('hello');
    expect(await instance.terminate()).to.deep.equal({ instanceId: 'term-1', requests: 1, failures: 0, lastError: undefined });
    expect(instance.state).to.equal('terminated');
    expect(await instance.terminate()).to.equal(undefined);
    await rejectsWith(instance.send('again'), 'E_NOT_FOUND');
    expect((await store.loadInstance('term-1'))?.status).to.equal('terminated');
    await rejectsWith(BackgroundInstance.open(requirementsCard, { backend: 'offline', store, id: 'term-1' }), 'E_NOT_FOUND');

    const closedFirst = await createBackgroundInstance(requirementsCard, { backend: 'offline', store, id: 'term-2' });
    await closedFirst.close();
    await closedFirst.terminate();
    expect((await store.loadInstance('term-2'))?.status).to.equal('terminated');
  });

  it('tracks a background send by result id', async () => {
    const instance = await createBackgroundInstance(requirementsCard, { backend: 'offline' });
    const { resultId, promise } = sendToBackground(instance, 'What do you do?');
    expect(getBackgroundResult(resultId).status).to.equal('pending');
    const reply = await promise;
    const done = getBackgroundResult(resultId);
    expect(done.status).to.equal('completed');
    expect(done.reply?.text).to.equal(reply.text);
    expect(done.finishedAt).to.be.a('string');

    await instance.terminate();
    const failed = sendToBackground(instance, 'after the end');
    await rejectsWith(failed.promise, 'E_NOT_FOUND');
    expect(getBackgroundResult(failed.resultId)).to.deep.include({ status: 'failed' });
    expect(getBackgroundResult(failed.resultId).error?.code).to.equal('E_NOT_FOUND');
    expect(() => getBackgroundResult('no-such-result')).to.throw(/No background result/);
  });

  it('builds the system prompt from the card', () => {
    const prompt = systemPromptFromCard(requirementsCard);
    expect(prompt).to.contain('"arangodb" (version 1.0.0)');
    expect(prompt).to.contain('## pdf.requirements.query@1 -> pdf.requirements@1');
    expect(prompt).to.contain('"minItems": 1');
    expect(systemPromptFromCard(requirementsCard)).to.equal(prompt);
  });
});
