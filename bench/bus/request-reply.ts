/**
 * Benchmark 2: request/reply rate. Two Actors, one answering an echo query (TypeBox schemas), the
 * other doing `ask()` with a given concurrency; against two raw mqtt.js clients doing the same
 * round trip by hand (JSON with a correlation id, QoS 1 both ways, nothing else). The two sides run
 * in alternating rounds on brokers of their own, so a shared machine's changing load biases neither.
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

/** Rounds per concurrency level and side: the two sides take turns, so a load change on a shared machine weighs on both alike. */
const ROUNDS = 4;

type Ask = (n: number) => Promise<void>;

/** Both sides: 200 warm-up round trips each, then ROUNDS alternating rounds of requests/ROUNDS, per concurrency level. */
async function measureBoth(options: RequestReplyOptions, raw: Ask, actors: Ask): Promise<{ raw: RateSample[]; actors: RateSample[] }> {
  const out = { raw: [] as RateSample[], actors: [] as RateSample[] };
  for (const c of options.concurrency) {
    const runs = { raw: { latencies: [] as number[], elapsedMs: 0 }, actors: { latencies: [] as number[], elapsedMs: 0 } };
    for (const ask of [raw, actors]) await runConcurrent(Math.min(200, options.requests), c, ask);
    let left = options.requests;
    for (let round = 0; round < ROUNDS && left > 0; round++) {
      const n = round === ROUNDS - 1 ? left : Math.min(left, Math.ceil(options.requests / ROUNDS));
      left -= n;
      for (const side of ['raw', 'actors'] as const) {
        await settle();
        const run = await runConcurrent(n, c, side === 'raw' ? raw : actors);
        runs[side].latencies.push(...run.latencies);
        runs[side].elapsedMs += run.elapsedMs;
      }
    }
    out.raw.push(sample(c, options.requests, runs.raw));
    out.actors.push(sample(c, options.requests, runs.actors));
    await settle();
  }
  return out;
}

export async function requestReply(options: RequestReplyOptions): Promise<RequestReplyResult> {
  // A broker each, so the Actors' retained state snapshots do not weigh on the baseline.
  const rawBroker = await startBroker({ port: 0 });
  const actorBroker = await startBroker({ port: 0 });
  const rawResponder: MqttClient = await rawClient(rawBroker.url, 'raw-responder');
  const rawRequester: MqttClient = await rawClient(rawBroker.url, 'raw-requester');
  const responder = new Actor({ name: 'bench-responder', url: actorBroker.url, logger: createLogger('bench-responder', 'silent') }).handle(echo);
  const requester = new Actor({ name: 'bench-requester', url: actorBroker.url, logger: createLogger('bench-requester', 'silent') });
  try {
    await serveRawEcho(rawResponder);
    const rawAsk = await rawAsker(rawRequester, 'bench/raw/replies/raw-requester');
    await responder.start();
    await requester.start();
    const actorAsk = async (n: number) => {
      const answer = await requester.ask<{ text: string; n: number }>('bench-responder', 'bench.echo@1', { text: TEXT, n });
      if (answer.n !== n) throw new Error(`echo mismatch: asked ${n}, got ${answer.n}`);
    };
    const { raw, actors } = await measureBoth(options, rawAsk, actorAsk);
    return { requests: options.requests, actors, raw };
  } finally {
    await requester.stop().catch(() => {});
    await responder.stop().catch(() => {});
    await rawRequester.endAsync().catch(() => {});
    await rawResponder.endAsync().catch(() => {});
    await actorBroker.close();
    await rawBroker.close();
  }
}
