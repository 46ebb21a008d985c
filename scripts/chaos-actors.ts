/**
 * The conversation workload of `npm run chaos` (scripts/chaos.ts), one role per process:
 *   chaos-actors.ts worker URL            answers chaos.work@1 (not idempotent) and chaos.work.idempotent@1
 *                                         after 100-600 ms of work; prints `ran REQUEST_ID` per handler run
 *   chaos-actors.ts client URL COUNT      asks COUNT of them, one every 30 ms, alternating the two queries
 *                                         (the idempotent ones with retry: 1); prints `ended STATE CODE` each
 *                                         and `finished` at the end
 * Both print `ready` once online. Loopback only: URL is the chaos broker.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Type } from '@sinclair/typebox';
import { Actor, defineQuery } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError } from '../protocol/index.ts';

const [role, url, countArg] = process.argv.slice(2);
const Work = Type.Object({ n: Type.Integer() });
const Done = Type.Object({ n: Type.Integer() });
const QUERIES = ['chaos.work@1', 'chaos.work.idempotent@1'] as const;

async function worker(busUrl: string): Promise<void> {
  const actor = new Actor({ name: 'chaos-worker', url: busUrl, leaseMs: 500, logger: createLogger('chaos-worker', 'silent') });
  for (const schema of QUERIES) {
    actor.handle(
      defineQuery({
        schema,
        description: 'chaos workload: works 100-600 ms, then answers',
        request: Work,
        responseSchemaId: 'chaos.done@1',
        response: Done,
        idempotent: schema.includes('idempotent'),
        handle: async (body, ctx) => {
          process.stdout.write(`ran ${ctx.request.id}\n`);
          await sleep(100 + Math.floor(Math.random() * 500), undefined, { signal: ctx.signal });
          return { n: body.n };
        },
      }),
    );
  }
  await actor.start();
  process.stdout.write('ready\n');
}

async function client(busUrl: string, count: number): Promise<void> {
  const actor = new Actor({ name: 'chaos-client', url: busUrl, logger: createLogger('chaos-client', 'silent') });
  await actor.start();
  process.stdout.write('ready\n');
  const results: Array<Promise<void>> = [];
  for (let n = 0; n < count; n++) {
    const idempotent = n % 2 === 1;
    const options = { timeoutMs: 15_000, peerGraceMs: 5_000, ...(idempotent ? { retry: { attempts: 1 } } : {}) };
    const conversation = actor.request('chaos-worker', QUERIES[idempotent ? 1 : 0], { n }, options);
    results.push(
      conversation.result.then(
        () => void process.stdout.write('ended completed -\n'),
        (err: unknown) => void process.stdout.write(`ended ${conversation.state} ${err instanceof CommsError ? err.code : 'E_INTERNAL'}\n`),
      ),
    );
    await sleep(30);
  }
  await Promise.all(results);
  await actor.stop();
  process.stdout.write('finished\n');
}

if (!url || (role !== 'worker' && role !== 'client')) {
  process.stderr.write('usage: chaos-actors.ts worker URL | client URL COUNT\n');
  process.exit(2);
}
if (role === 'worker') await worker(url);
else await client(url, Number(countArg ?? 50));
