/**
 * Benchmark 2: request/reply rate. Two Actors, one answering an echo query (TypeBox schemas), the
 * other doing `ask()` with a given concurrency; against two raw mqtt.js clients doing the same
 * round trip by hand (JSON with a correlation id, QoS 1 both ways, nothing else).
 */
import type { MqttClient } from 'mqtt';
import { startBroker, type EmbeddedBroker } from '../../broker/index.ts';
import { Actor } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';
import { echo, rawAsker, serveRawEcho, TEXT } from './echo.ts';
import { percentile, rawClient, runConcurrent, settle } from './support.ts';

export interface RequestReplyOptions {
  requests: number;
  concurrency: number[];
}

export interface RateSample {
  concurrency: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface RequestReplyResult {
  requests: number;
  actors: RateSample[];
  raw: RateSample[];
}

function sample(concurrency: number, total: number, run: { latencies: number[]; elapsedMs: number }): RateSample {
  return { concurrency, perSec: total / (run.elapsedMs / 1000), p50Ms: percentile(run.latencies, 50), p99Ms: percentile(run.latencies, 99) };
}

async function actorsRate(broker: EmbeddedBroker, options: RequestReplyOptions): Promise<RateSample[]> {
  const responder = new Actor({ name: 'bench-responder', url: broker.url, logger: createLogger('bench-responder', 'silent') }).handle(echo);
  const requester = new Actor({ name: 'bench-requester', url: broker.url, logger: createLogger('bench-requester', 'silent') });
  try {
    await responder.start();
    await requester.start();
    const ask = async (n: number) => {
      const answer = await requester.ask<{ text: string; n: number }>('bench-responder', 'bench.echo@1', { text: TEXT, n });
      if (answer.n !== n) throw new Error(`echo mismatch: asked ${n}, got ${answer.n}`);
    };
    return await measureEachConcurrency(options, ask); // await: the finally below must not close the clients first
  } finally {
    await requester.stop().catch(() => {});
    await responder.stop().catch(() => {});
  }
}

/** The same protocol for both sides of the comparison: 200 warm-up round trips, then the measured run, per concurrency level. */
async function measureEachConcurrency(options: RequestReplyOptions, ask: (n: number) => Promise<void>): Promise<RateSample[]> {
  const out: RateSample[] = [];
  for (const c of options.concurrency) {
    await runConcurrent(Math.min(200, options.requests), c, ask);
    await settle();
    out.push(sample(c, options.requests, await runConcurrent(options.requests, c, ask)));
    await settle();
  }
  return out;
}

async function rawRate(broker: EmbeddedBroker, options: RequestReplyOptions): Promise<RateSample[]> {
  const replyTopic = 'bench/raw/replies/raw-requester';
  const responder: MqttClient = await rawClient(broker.url, 'raw-responder');
  const requester: MqttClient = await rawClient(broker.url, 'raw-requester');
  try {
    await serveRawEcho(responder);
    const ask = await rawAsker(requester, replyTopic);
    return await measureEachConcurrency(options, ask); // await: the finally below must not close the clients first
  } finally {
    await requester.endAsync().catch(() => {});
    await responder.endAsync().catch(() => {});
  }
}

export async function requestReply(options: RequestReplyOptions): Promise<RequestReplyResult> {
  // A broker each, so the Actors' retained state snapshots do not weigh on the baseline.
  const rawBroker = await startBroker({ port: 0 });
  let raw: RateSample[];
  try {
    raw = await rawRate(rawBroker, options);
  } finally {
    await rawBroker.close();
  }
  const actorBroker = await startBroker({ port: 0 });
  let actors: RateSample[];
  try {
    actors = await actorsRate(actorBroker, options);
  } finally {
    await actorBroker.close();
  }
  return { requests: options.requests, actors, raw };
}
