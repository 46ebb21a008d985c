import { expect } from 'chai';
import { createInstanceHost, type InstanceHost } from '../system/index.ts';
import { parseCommsConfig } from '../config/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError, type InstancesListing } from '../protocol/index.ts';
import { busFixture } from './support/bus-fixture.ts';
import { MessagesApiServer } from './fixtures/messages-api-server.ts';

/** A generic instance module as a user writes it in comms.config.json: its queries as JSON Schemas. */
const config = parseCommsConfig({
  modules: [
    {
      name: 'summarizer',
      kind: 'instance',
      backend: 'auto',
      model: 'claude-test',
      queries: [
        {
          schema: 'text.summarize@1',
          description: 'Summarise a text.',
          request: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'], additionalProperties: false },
          responseSchemaId: 'text.summary@1',
          response: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
        },
      ],
    },
  ],
});

describe('instance-backed modules from comms.config.json (system/instance-modules.ts)', () => {
  let bus: Awaited<ReturnType<typeof busFixture>>;
  let api: MessagesApiServer;
  let host: InstanceHost;

  beforeEach(async () => {
    bus = await busFixture();
    api = await MessagesApiServer.start();
    host = createInstanceHost({ config, url: bus.broker.url, dataDir: bus.dir, login: () => ({}), logger: createLogger('test', 'silent'), env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: api.url } });
    for (const m of host.modules) await m.start();
    await host.manager.start();
  });
  afterEach(async () => {
    for (const m of host.modules) await m.stop();
    await host.manager.stop();
    host.store.close();
    await api.close();
    await bus.close();
  });

  it('answers a configured query through the model, checks bodies against its JSON Schema, and lists the instance', async () => {
    expect(host.modules[0]?.actor.card().backend.kind).to.equal('anthropic');
    const requester = await bus.actor({ name: 'requester' }).start();
    api.enqueue({ kind: 'tool', input: { summary: 'short' } });
    expect(await requester.ask('summarizer', 'text.summarize@1', { text: 'a long text' })).to.deep.equal({ summary: 'short' });
    expect(api.messageRequests[0]?.body?.model).to.equal('claude-test');
    expect(api.messageRequests[0]?.body?.tools?.[0]?.input_schema).to.deep.include({ required: ['summary'] });

    const error = await requester.ask('summarizer', 'text.summarize@1', { text: '' }).catch((e: unknown) => e);
    expect((error as CommsError).code).to.equal('E_SCHEMA_INVALID');

    const listing = await requester.ask<InstancesListing>('instances', 'instances.list@1', { module: 'summarizer' });
    expect(listing.instances).to.have.length(1);
    expect(listing.instances[0]).to.include({ module: 'summarizer', backend: 'anthropic', state: 'idle', open: true, turns: 2 });
  });
});
