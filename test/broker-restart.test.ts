import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Actor } from '../actors/runtime/index.ts';
import { createRecorder } from '../actors/recorder/index.ts';
import { startBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { echoQuery, until } from './support/bus-fixture.ts';

describe('broker restart', function () {
  this.timeout(30_000);

  it('actors and the recorder reconnect to a restarted broker, re-announce, and nothing recorded is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comms-restart-'));
    const logger = createLogger('restart', 'silent');
    let broker = await startBroker({ port: 0 });
    const port = Number(new URL(broker.url).port);
    const recorder = createRecorder({ url: broker.url, dbPath: join(dir, 'comms.db'), logger });
    await recorder.start();
    const responder = await new Actor({ name: 'responder', url: broker.url, logger }).handle(echoQuery('responder')).start();
    const requester = await new Actor({ name: 'requester', url: broker.url, logger }).start();
    const recorded = (poll: () => boolean) =>
      until(
        (check) => {
          recorder.events.on('recorded', check);
          return () => recorder.events.off('recorded', check);
        },
        () => (poll() ? true : undefined),
      );
    try {
      const before = requester.request('responder', 'echo@1', { text: 'before' });
      await before.result;
      await before.flushed();
      await recorded(() => recorder.queries.listConversations().some((c) => c.id === before.id && c.state === 'completed'));

      const reconnected = Promise.all([responder, requester, recorder.actor].map((a) => new Promise<void>((resolve) => a.once('peer-status', () => resolve()))));
      await broker.close();
      broker = await startBroker({ port });
      await reconnected; // each actor saw a (re-announced) status on the new broker

      const after = requester.request('responder', 'echo@1', { text: 'after' });
      expect(await after.result).to.deep.equal({ text: 'after', handledBy: 'responder' });
      await after.flushed();
      await recorded(() => recorder.queries.listConversations().some((c) => c.id === after.id && c.state === 'completed'));
      const states = recorder.queries.listConversations().map((c) => c.state);
      expect(states).to.deep.equal(['completed', 'completed']);
      expect(recorder.queries.getConversationEvents(before.id).at(-1)?.event.state).to.equal('completed');
    } finally {
      await requester.stop();
      await responder.stop();
      await recorder.stop();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
