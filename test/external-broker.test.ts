import { expect } from 'chai';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Actor } from '../actors/runtime/index.ts';
import { createRecorder } from '../actors/recorder/index.ts';
import { createLogger } from '../logging/index.ts';
import { Topics, type ConversationEvent, type Envelope } from '../protocol/index.ts';
import { echoQuery, until } from './support/bus-fixture.ts';
import { mosquittoForSuite } from './support/mosquitto.ts';

describe('against an external MQTT 3.1.1 broker (Debian mosquitto)', function () {
  const mosquitto = mosquittoForSuite('comms-mosquitto-');

  it('runs a recorded conversation unchanged, observed by a plain subscriber', async () => {
    const url = mosquitto.url();
    const logger = createLogger('ext', 'silent');
    const recorder = createRecorder({ url, dbPath: join(mosquitto.dir(), 'comms.db'), logger });
    await recorder.start();
    const watcher = await mqtt.connectAsync(url, { clientId: 'ext-watcher', protocolVersion: 4 });
    const seen: Envelope<ConversationEvent>[] = [];
    watcher.on('message', (_t, p) => seen.push(JSON.parse(p.toString()) as Envelope<ConversationEvent>));
    await watcher.subscribeAsync(Topics.filters.allConversationEvents, { qos: 1 });
    const responder = await new Actor({ name: 'responder', url, logger }).handle(echoQuery('responder')).start();
    const requester = await new Actor({ name: 'requester', url, logger }).start();
    try {
      const conversation = requester.request('responder', 'echo@1', { text: 'via mosquitto', steps: 2 });
      expect(await conversation.result).to.deep.equal({ text: 'via mosquitto', handledBy: 'responder' });
      await conversation.flushed();
      const final = await until(
        (check) => {
          watcher.on('message', check);
          return () => watcher.off('message', check);
        },
        () => seen.find((e) => e.body.state === 'completed'),
      );
      expect(final.conversationId).to.equal(conversation.id);
      const status = await until(
        (check) => {
          recorder.events.on('recorded', check);
          return () => recorder.events.off('recorded', check);
        },
        () => {
          // Completed by the reply may come before the events do: wait for the requester's final event too.
          const s = recorder.queries.listConversations().find((c) => c.id === conversation.id);
          return s?.state === 'completed' && s.lastSeq === final.seq ? s : undefined;
        },
      );
      expect(status.responder).to.equal('responder');
      expect(recorder.queries.getConversationEvents(conversation.id).map((e) => e.seq)).to.deep.equal(seen.filter((e) => e.conversationId === conversation.id).map((e) => e.seq));
    } finally {
      await requester.stop();
      await responder.stop();
      await recorder.stop();
      await watcher.endAsync();
    }
  });
});
