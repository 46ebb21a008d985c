import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import { createInstanceBackedActor, type InstanceBackedModule } from '../actors/instance-backed/index.ts';
import { AnthropicBackend } from '../instances/index.ts';
import { CommsError } from '../protocol/index.ts';
import { busFixture } from './support/bus-fixture.ts';
import { MessagesApiServer } from './fixtures/messages-api-server.ts';

const SummaryQuery = Type.Object({ text: Type.String() });
const Summary = Type.Object({ summary: Type.String({ minLength: 1 }), words: Type.Integer({ minimum: 0 }) });
const queries = [{ schema: 'text.summarize@1', description: 'Summarise a text.', request: SummaryQuery, responseSchemaId: 'text.summary@1', response: Summary }];

describe('an actor answered by background LLM instances', () => {
  let bus: Awaited<ReturnType<typeof busFixture>>;
  let module: InstanceBackedModule | undefined;
  let api: MessagesApiServer | undefined;

  beforeEach(async () => (bus = await busFixture()));
  afterEach(async () => {
    await module?.stop();
    await api?.close();
    await bus.close();
  });

  it('answers over the bus with the offline backend from its rule-based knowledge, and its card says offline', async () => {
    const rule = { summary: 'rule-based summary', words: 0 };
    module = createInstanceBackedActor({
      name: 'summarizer',
      url: bus.broker.url,
      queries,
      pool: { instance: { backend: 'offline', backendOptions: { knowledge: { 'text.summary@1': rule } } } },
    });
    await module.start();
    const requester = await bus.actor({ name: 'requester' }).start();
    expect(await requester.ask('summarizer', 'text.summarize@1', { text: 'a b c' })).to.deep.equal(rule);
    expect(module.actor.card().backend.kind).to.equal('offline');
  });

  it('without a model or a rule, says offline in its card (not auto) and fails with E_MODEL_UNAVAILABLE naming ANTHROPIC_API_KEY and the claude CLI', async () => {
    module = createInstanceBackedActor({ name: 'summarizer', url: bus.broker.url, queries, pool: { instance: { backend: 'auto', backendOptions: { env: {} } } } });
    await module.start();
    expect(module.actor.card().backend.kind).to.equal('offline');
    const requester = await bus.actor({ name: 'requester' }).start();
    const error = await requester.ask('summarizer', 'text.summarize@1', { text: 'a b c' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CommsError);
    expect((error as CommsError).code).to.equal('E_MODEL_UNAVAILABLE');
    expect((error as CommsError).message).to.contain('ANTHROPIC_API_KEY').and.to.contain('`claude` CLI');
  });

  it('closes its pool even when stopping the actor fails', async () => {
    const m = createInstanceBackedActor({ name: 'summarizer', url: bus.broker.url, queries, pool: { instance: { backend: 'offline' } } });
    await m.start();
    const realStop = m.actor.stop.bind(m.actor);
    m.actor.stop = async () => {
      await realStop();
      throw new Error('disconnect failed');
    };
    let closed = false;
    m.pool.on('closed', () => (closed = true));
    let error: unknown;
    await m.stop().catch((err: unknown) => (error = err));
    expect((error as Error | undefined)?.message).to.equal('disconnect failed');
    expect(closed).to.equal(true);
  });

  it('goes through the Messages API (loopback), forcing the schema as a tool, and reports a model that keeps answering wrong', async () => {
    api = await MessagesApiServer.start();
    const server = api;
    module = createInstanceBackedActor({
      name: 'summarizer',
      url: bus.broker.url,
      queries,
      pool: { instance: { backend: () => new AnthropicBackend({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, model: 'claude-test', env: {} }), maxValidationRetries: 1 } },
    });
    await module.start();
    const requester = await bus.actor({ name: 'requester' }).start();

    server.enqueue({ kind: 'tool', input: { summary: 'three letters', words: 3 } });
    expect(await requester.ask('summarizer', 'text.summarize@1', { text: 'a b c' })).to.deep.equal({ summary: 'three letters', words: 3 });
    const request = server.messageRequests[0]?.body;
    expect(request?.tool_choice).to.deep.include({ type: 'tool' });
    expect(JSON.stringify(request?.system)).to.contain('text.summarize@1');

    server.enqueue({ kind: 'tool', input: { summary: '' } }, { kind: 'tool', input: { words: -1 } });
    const error = await requester.ask('summarizer', 'text.summarize@1', { text: 'x' }).catch((e: CommsError) => e);
    expect((error as CommsError).code).to.equal('E_MODEL_INVALID_OUTPUT');
  });
});
