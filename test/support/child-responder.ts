/**
 * A responder in its own process, for tests that freeze (SIGSTOP) or kill (SIGKILL) it.
 * Usage: node --import tsx test/support/child-responder.ts URL MODE [LEASE_MS]
 * MODE `hold`: handlers run until canceled (the work a fault interrupts); `answer`: they answer at once.
 * It answers `work@1` (not idempotent) and `work.idempotent@1`, and prints `ready SESSION` once online
 * and `ran QUERY REQUEST_ID` each time a handler starts, so a test can count runs.
 */
import { Type } from '@sinclair/typebox';
import { Actor, defineQuery, type HandlerContext } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';

const [url, mode, leaseArg] = process.argv.slice(2);
if (!url || (mode !== 'hold' && mode !== 'answer')) {
  process.stderr.write('usage: child-responder.ts URL hold|answer [LEASE_MS]\n');
  process.exit(2);
}

const Work = Type.Object({ job: Type.String() });
const Done = Type.Object({ job: Type.String(), pid: Type.Integer() });

async function work(schema: string, body: { job: string }, ctx: HandlerContext): Promise<{ job: string; pid: number }> {
  process.stdout.write(`ran ${schema} ${ctx.request.id}\n`);
  if (mode === 'hold') await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
  return { job: body.job, pid: process.pid };
}

const actor = new Actor({ name: 'worker', url, leaseMs: leaseArg ? Number(leaseArg) : undefined, logger: createLogger('worker', 'silent') });
for (const [schema, idempotent] of [['work@1', false], ['work.idempotent@1', true]] as const) {
  actor.handle(defineQuery({ schema, description: 'Works until canceled, or answers at once.', request: Work, responseSchemaId: 'work.done@1', response: Done, idempotent, handle: (body, ctx) => work(schema, body, ctx) }));
}
await actor.start();
process.stdout.write(`ready ${actor.sessionId}\n`);
