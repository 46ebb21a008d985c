/** The echo query both sides of the request/reply benchmarks answer, as a defineQuery and as a hand-rolled raw protocol. */
import { Type } from '@sinclair/typebox';
import type { MqttClient } from 'mqtt';
import { defineQuery } from '../../actors/runtime/index.ts';

export const TEXT = 'the quick brown fox jumps over the lazy dog';
export const RAW_REQUEST_TOPIC = 'bench/raw/requests';

export const echo = defineQuery({
  schema: 'bench.echo@1',
  description: 'Answers with what it got.',
  request: Type.Object({ text: Type.String(), n: Type.Integer() }),
  responseSchemaId: 'bench.echo.answer@1',
  response: Type.Object({ text: Type.String(), n: Type.Integer() }),
  handle: async (body) => ({ text: body.text, n: body.n }),
});

interface RawRequest {
  id: string;
  replyTo: string;
  body: { text: string; n: number };
}

/** The baseline responder: JSON with a correlation id, QoS 1 both ways, nothing else. */
export async function serveRawEcho(responder: MqttClient): Promise<void> {
  await responder.subscribeAsync(RAW_REQUEST_TOPIC, { qos: 1 });
  responder.on('message', (_topic, payload) => {
    const request = JSON.parse(payload.toString()) as RawRequest;
    responder.publishAsync(request.replyTo, JSON.stringify({ correlationId: request.id, body: request.body }), { qos: 1 }).catch(() => {});
  });
}

/** The baseline requester: returns an ask(n) doing one raw round trip. */
export async function rawAsker(requester: MqttClient, replyTopic: string): Promise<(n: number) => Promise<void>> {
  const pending = new Map<string, (reply: { n: number }) => void>();
  await requester.subscribeAsync(replyTopic, { qos: 1 });
  requester.on('message', (_topic, payload) => {
    const reply = JSON.parse(payload.toString()) as { correlationId: string; body: { n: number } };
    const resolve = pending.get(reply.correlationId);
    pending.delete(reply.correlationId);
    resolve?.(reply.body);
  });
  let seq = 0;
  return async (n: number) => {
    const id = `req-${++seq}`;
    const replied = new Promise<{ n: number }>((resolve) => pending.set(id, resolve));
    await requester.publishAsync(RAW_REQUEST_TOPIC, JSON.stringify({ id, replyTo: replyTopic, body: { text: TEXT, n } } satisfies RawRequest), { qos: 1 });
    const answer = await replied;
    if (answer.n !== n) throw new Error(`echo mismatch: asked ${n}, got ${answer.n}`);
  };
}
