import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { startBroker, type EmbeddedBroker } from '../../broker/index.ts';
import { Actor, defineQuery, type ActorOptions, type HandlerContext } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';

/** A fresh embedded broker on a free port and a temp dir, torn down by `close()`. */
export async function busFixture(): Promise<{ broker: EmbeddedBroker; dir: string; actors: Actor[]; actor(options: Omit<ActorOptions, 'url'>): Actor; close(): Promise<void> }> {
  const broker = await startBroker({ port: 0, wsPort: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'comms-test-'));
  const actors: Actor[] = [];
  return {
    broker,
    dir,
    actors,
    actor(options) {
      const actor = new Actor({ logger: createLogger(options.name, process.env.COMMS_LOG_LEVEL ?? 'silent'), ...options, url: broker.url });
      actors.push(actor);
      return actor;
    },
    async close() {
      await Promise.all(actors.map((a) => a.stop().catch(() => {})));
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const EchoQuery = Type.Object({ text: Type.String(), steps: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })) });
export const EchoAnswer = Type.Object({ text: Type.String(), handledBy: Type.String() });

/** A test module answering `echo@1`, optionally reporting `steps` progress events, or waiting for a release. */
export function echoQuery(module: string, hooks: { onStart?: (ctx: HandlerContext) => void; gate?: Promise<void> } = {}) {
  return defineQuery({
    schema: 'echo@1',
    description: 'Answers with the text it got.',
    request: EchoQuery,
    responseSchemaId: 'echo.answer@1',
    response: EchoAnswer,
    handle: async (body, ctx) => {
      hooks.onStart?.(ctx);
      const steps = body.steps ?? 0;
      for (let i = 1; i <= steps; i++) ctx.progress({ percent: Math.round((i / steps) * 100), stage: `step ${i}` });
      if (hooks.gate) {
        await Promise.race([
          hooks.gate,
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
        ]);
      }
      return { text: body.text, handledBy: module };
    },
  });
}

/** A promise plus its resolver, for holding a handler until the test releases it. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with the first value for which `poll` returns something defined, checking on each event of `emitter`. */
export function until<T>(subscribe: (check: () => void) => () => void, poll: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const first = poll();
    if (first !== undefined) return resolve(first);
    const unsubscribe = subscribe(() => {
      const value = poll();
      if (value !== undefined) {
        unsubscribe();
        resolve(value);
      }
    });
  });
}
