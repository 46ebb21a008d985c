import { expect } from 'chai';
import mqtt, { type MqttClient } from 'mqtt';
import type { Recorder } from '../actors/recorder/index.ts';
import type { Conversation } from '../actors/runtime/index.ts';
import { createEnvelope, encodeEnvelope, Topics, type Envelope } from '../protocol/index.ts';
import { busFixture, deferred, echoQuery, until } from './support/bus-fixture.ts';
import { recordingBus } from './support/recorded-conversation.ts';

type Fixture = Awaited<ReturnType<typeof busFixture>>;

/** A plain MQTT client that keeps every envelope on comms/v1/# (retained ones included) in arrival order. */
async function wireWatcher(url: string): Promise<{ client: MqttClient; seen: Array<{ topic: string; retain: boolean; envelope: Envelope }>; when<T>(poll: () => T | undefined): Promise<T> }> {
  const client = await mqtt.connectAsync(url, { clientId: 'budget-watcher', protocolVersion: 4, reconnectPeriod: 0 });
  const seen: Array<{ topic: string; retain: boolean; envelope: Envelope }> = [];
  client.on('message', (topic, payload, packet) => {
    if (payload.length > 0) seen.push({ topic, retain: packet.retain, envelope: JSON.parse(payload.toString()) as Envelope });
  });
  await client.subscribeAsync('comms/v1/#', { qos: 1 });
  const when = <T>(poll: () => T | undefined) =>
    until((check) => {
      client.on('message', check);
      return () => client.off('message', check);
    }, poll);
  return { client, seen, when };
}

describe('the message budget of a conversation', function () {
  this.timeout(60_000);
  let bus: Fixture;
  let recorder: Recorder;
  let recorded: <T>(poll: () => T | undefined) => Promise<T>;
  let close: () => Promise<void>;

  beforeEach(async () => {
    ({ bus, recorder, recorded, close } = await recordingBus());
  });

  afterEach(() => close());

  it('a short conversation without progress costs its request and its reply, and is still recorded whole', async () => {
    const watcher = await wireWatcher(bus.broker.url);
    try {
      await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
      const requester = await bus.actor({ name: 'requester' }).start();
      // Quiet by construction, not by speed: a loaded machine must not make it 'long' (eventsAfterMs is tested below).
      const short = requester.request('responder', 'echo@1', { text: 'quick' }, { eventsAfterMs: 600_000 });
      await short.result;
      await short.flushed();
      // Fence: the requester's next request leaves after everything the first conversation published.
      const fence = requester.request('responder', 'echo@1', { text: 'fence' });
      await watcher.when(() => watcher.seen.find((m) => m.envelope.id === fence.requestId));
      await fence.result;

      const wire = watcher.seen.filter((m) => m.envelope.conversationId === short.id);
      expect(wire.map((m) => `${m.envelope.kind} ${m.envelope.schema}`)).to.deep.equal(['request echo@1', 'reply echo.answer@1']);
      expect(wire.some((m) => m.retain || m.topic === Topics.conversationState(short.id)), 'no retained state snapshot').to.equal(false);

      const status = await recorded(() => {
        const s = recorder.queries.listConversations().find((c) => c.id === short.id);
        return s?.state === 'completed' ? s : undefined;
      });
      expect(status).to.include({ requester: 'requester', responder: 'responder', query: 'echo@1', percent: 100 });
      expect(status.endedAt).to.be.a('string');
      expect(status.result).to.deep.equal({ text: 'quick', handledBy: 'responder' });
      // The history still tells its end: the reply, as the event seq 1 the conversation did not publish.
      const [end, ...more] = recorder.queries.getConversationEvents(short.id);
      expect(more).to.deep.equal([]);
      expect(end).to.include({ seq: 1, derivedFrom: 'reply', messageId: wire[1]?.envelope.id });
      expect(end?.event).to.deep.include({ type: 'state', state: 'completed', requester: 'requester', responder: 'responder', query: 'echo@1', requestId: short.requestId, attempt: 1 });
      expect(recorder.queries.getConversationEvents(short.id, 1)).to.deep.equal([]);
    } finally {
      await watcher.client.endAsync();
    }
  });

  it('a conversation that outlasts eventsAfterMs publishes what it held back, in order, then every change', async () => {
    const watcher = await wireWatcher(bus.broker.url);
    const gate = deferred();
    const started = deferred();
    try {
      await bus.actor({ name: 'responder' }).handle(echoQuery('responder', { gate: gate.promise, onStart: () => started.resolve() })).start();
      const requester = await bus.actor({ name: 'requester' }).start();
      const long = requester.request('responder', 'echo@1', { text: 'slow' }, { eventsAfterMs: 20 });
      await started.promise;
      const eventsOf = () => watcher.seen.filter((m) => m.topic === Topics.conversationEvents(long.id)).map((m) => m.envelope as Envelope<{ state: string; type: string }>);
      // Still running (the gate is closed): the held events went out once the conversation was old enough.
      await watcher.when(() => (eventsOf().some((e) => e.body.type === 'state' && e.body.state === 'working') ? true : undefined));
      await watcher.when(() => watcher.seen.find((m) => m.retain === false && m.topic === Topics.conversationState(long.id)));
      expect(long.public).to.equal(true);
      gate.resolve();
      await long.result;
      await watcher.when(() => eventsOf().find((e) => e.body.state === 'completed'));
      const events = eventsOf();
      expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
      expect(events.map((e) => `${e.body.type} ${e.body.state}`)).to.deep.equal(['state submitted', 'progress working', 'state working', 'state completed']);
    } finally {
      gate.resolve();
      await watcher.client.endAsync();
    }
  });

  it('a retained snapshot never carries a seq ahead of the events published before it (a reader ordering by seq loses none)', async () => {
    const watcher = await wireWatcher(bus.broker.url);
    try {
      await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
      const requester = await bus.actor({ name: 'requester' }).start();
      // Public from the start, with a burst of progress: snapshots are coalesced while events queue behind them.
      const busy = requester.request('responder', 'echo@1', { text: 'busy', steps: 20 }, { eventsAfterMs: 0 });
      await busy.result;
      await busy.flushed();
      await watcher.when(() => watcher.seen.find((m) => m.topic === Topics.conversationEvents(busy.id) && (m.envelope.body as { state?: string }).state === 'completed'));
      const topics = [Topics.conversationEvents(busy.id), Topics.conversationState(busy.id)];
      const mine = watcher.seen.filter((m) => topics.includes(m.topic));
      let eventSeq = 0;
      const ahead: string[] = [];
      for (const m of mine) {
        const seq = m.envelope.seq ?? 0;
        if (m.topic === Topics.conversationEvents(busy.id)) eventSeq = Math.max(eventSeq, seq);
        else if (seq > eventSeq) ahead.push(`snapshot seq ${seq} after events up to ${eventSeq}`);
      }
      expect(mine.filter((m) => m.topic === Topics.conversationState(busy.id)).length, 'snapshots were published').to.be.greaterThan(0);
      expect(ahead).to.deep.equal([]);
    } finally {
      await watcher.client.endAsync();
    }
  });

  describe('acknowledgements under load', () => {
    let raw: MqttClient;
    const requests: Envelope[] = [];

    /** A responder played by hand: it records every request it gets and answers only when told to. */
    beforeEach(async () => {
      requests.length = 0;
      raw = await mqtt.connectAsync(bus.broker.url, { clientId: 'slow', protocolVersion: 4, reconnectPeriod: 0 });
      raw.on('message', (_topic, payload) => requests.push(JSON.parse(payload.toString()) as Envelope));
      await raw.subscribeAsync(Topics.moduleInbox('slow'), { qos: 1 });
    });

    afterEach(async () => {
      await raw.endAsync();
    });

    const answer = (request: Envelope, kind: 'progress' | 'reply', schema: string, body: unknown) =>
      raw.publishAsync(
        request.replyTo as string,
        encodeEnvelope(createEnvelope({ kind, from: 'slow', to: request.from, conversationId: request.conversationId, correlationId: request.id, schema, body })),
        { qos: 1 },
      );
    const received = (conversation: Conversation) => until((check) => (raw.on('message', check), () => raw.off('message', check)), () => requests.find((r) => r.id === conversation.requestId));
    const waits = (conversation: Conversation, n: number) =>
      new Promise<void>((resolve) => {
        let count = 0;
        const onQueued = () => {
          if (++count < n) return;
          conversation.off('queued', onQueued);
          resolve();
        };
        conversation.on('queued', onQueued);
      });

    it('does not re-send while the responder is still answering earlier requests, however late the ack', async () => {
      // Heartbeats every 10 ms against an ack period of 1.5 s: only a stall of that long on a loaded machine would re-send.
      const requester = await bus.actor({ name: 'requester', requestDefaults: { ackTimeoutMs: 1_500, maxAttempts: 4, timeoutMs: 60_000 } }).start();
      const first = requester.request('slow', 'echo@1', { text: 'first' });
      const first$ = await received(first);
      await answer(first$, 'progress', 'progress@1', { percent: 0, stage: 'accepted' });
      const behind = requester.request('slow', 'echo@1', { text: 'behind' });
      const behind$ = await received(behind);
      // The responder keeps talking about the first request while the second waits in its queue.
      let beat = 0;
      const heartbeat = setInterval(() => void answer(first$, 'progress', 'progress@1', { percent: Math.min(99, ++beat), stage: 'busy' }), 10);
      const resent = until((check) => (raw.on('message', check), () => raw.off('message', check)), () => (requests.filter((r) => r.id === behind.requestId).length > 1 ? true : undefined));
      try {
        await Promise.race([waits(behind, 2), resent]);
      } finally {
        clearInterval(heartbeat);
      }
      await answer(behind$, 'reply', 'echo.answer@1', { text: 'behind', handledBy: 'slow' });
      await answer(first$, 'reply', 'echo.answer@1', { text: 'first', handledBy: 'slow' });
      await Promise.all([first.result, behind.result]);
      expect(requests.filter((r) => r.id === behind.requestId), 'the overdue request was sent once').to.have.length(1);
      expect(behind.snapshot().attempts).to.equal(1);
    });

    it('re-sends when the responder answered a request sent after this one (this one was likely lost)', async () => {
      const requester = await bus.actor({ name: 'requester', requestDefaults: { ackTimeoutMs: 40, maxAttempts: 10, timeoutMs: 60_000 } }).start();
      const lost = requester.request('slow', 'echo@1', { text: 'lost' });
      await received(lost);
      const later = requester.request('slow', 'echo@1', { text: 'later' });
      const later$ = await received(later);
      await answer(later$, 'reply', 'echo.answer@1', { text: 'later', handledBy: 'slow' });
      await later.result;
      await until((check) => (raw.on('message', check), () => raw.off('message', check)), () => (requests.filter((r) => r.id === lost.requestId).length >= 2 ? true : undefined));
      const again = requests.filter((r) => r.id === lost.requestId);
      expect(again[1]?.id, 'the re-send carries the same id').to.equal(lost.requestId);
      lost.cancel('test over');
    });
  });
});
