import { join } from 'node:path';
import { createRecorder, type Recorder } from '../../actors/recorder/index.ts';
import { createLogger } from '../../logging/index.ts';
import { busFixture, echoQuery, until } from './bus-fixture.ts';

/**
 * A bus with an echo `responder` online and one recorded echo@1 conversation from `requester`
 * (completed, in `db`), for tests of the read commands. The recorder is stopped again.
 */
export async function recordedConversation(steps = 2): Promise<{ bus: Awaited<ReturnType<typeof busFixture>>; db: string; conversationId: string }> {
  const bus = await busFixture();
  const db = join(bus.dir, 'comms.db');
  const recorder = createRecorder({ url: bus.broker.url, dbPath: db });
  await recorder.start();
  await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
  const requester = await bus.actor({ name: 'requester' }).start();
  const conversation = requester.request('responder', 'echo@1', { text: 'cli', steps });
  await conversation.result;
  await conversation.flushed();
  await until(
    (check) => {
      recorder.events.on('recorded', check);
      return () => recorder.events.off('recorded', check);
    },
    () => (recorder.queries.listConversations().find((c) => c.id === conversation.id)?.state === 'completed' ? true : undefined),
  );
  await recorder.stop();
  return { bus, db, conversationId: conversation.id };
}

/** A fresh bus with a running recorder, and `recorded(poll)`: resolves once `poll` finds something after a recorded message. */
export async function recordingBus(): Promise<{ bus: Awaited<ReturnType<typeof busFixture>>; recorder: Recorder; recorded<T>(poll: () => T | undefined): Promise<T>; close(): Promise<void> }> {
  const bus = await busFixture();
  const recorder = createRecorder({ url: bus.broker.url, dbPath: join(bus.dir, 'comms.db'), logger: createLogger('recorder', 'silent') });
  await recorder.start();
  return {
    bus,
    recorder,
    recorded: (poll) =>
      until((check) => {
        recorder.events.on('recorded', check);
        return () => recorder.events.off('recorded', check);
      }, poll),
    close: async () => {
      await recorder.stop();
      await bus.close();
    },
  };
}
