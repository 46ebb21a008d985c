import { createLogger } from '../../logging/index.ts';
import { CommsError, isErrorCode, newId } from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { positiveInteger } from '../flag-values.ts';
import { OnlineModules } from '../online-modules.ts';
import { withBus } from '../options.ts';
import { printJson, printProgress } from '../print.ts';

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CommsError('E_JSON_INVALID', `body is not JSON: ${(err as Error).message}`, { hint: `quote the body for the shell, e.g. '{"text":"hi"}'` });
  }
}

/**
 * A reply can be a success that reports a failure: workflow.execute@1 answers with the workflow's
 * final state. The command then fails too, so scripts see a non-zero exit.
 */
function failureInReply(reply: unknown): CommsError | undefined {
  if (typeof reply !== 'object' || reply === null) return undefined;
  const { workflowId, state, error } = reply as { workflowId?: unknown; state?: unknown; error?: { code?: unknown; message?: unknown } };
  if (typeof workflowId !== 'string' || state === 'completed' || typeof state !== 'string') return undefined;
  const code = isErrorCode(error?.code) ? error.code : 'E_HANDLER_FAILED';
  const why = typeof error?.message === 'string' ? `: ${error.message}` : '';
  return new CommsError(code, `workflow ${workflowId} ended ${state}${why}`, { hint: `the reply above has each step's state; see \`comms conversations --module orchestrator\`` });
}

export const askCommand = defineCommand(
  'ask <module> <schema> [body]',
  'send one request and print the reply',
  (y) =>
    withBus(y)
      .positional('module', { type: 'string', demandOption: true })
      .positional('schema', { type: 'string', demandOption: true, describe: 'e.g. pdf.requirements.query@1' })
      .positional('body', { type: 'string', default: '{}', describe: 'JSON body' })
      .option('timeout', { default: 30_000, describe: 'milliseconds to wait for the reply', coerce: positiveInteger('--timeout') })
      .option('all-events', { type: 'boolean', default: false, describe: 'publish every lifecycle event, even if the conversation ends within 1 s' })

      .option('retry', { describe: 're-runs allowed if the responder restarts mid-work on an idempotent query (docs/reliability.md)', coerce: positiveInteger('--retry') }),
  async (argv) => {
    const body = parseBody(argv.body);
    const { Actor } = await import('../../actors/runtime/index.ts');
    const actor = new Actor({ name: 'client', clientId: `client-${newId()}`, url: argv.url, username: argv.username, password: argv.password, logger: createLogger('client', process.env.COMMS_LOG_LEVEL ?? 'warn') });
    const presence = new OnlineModules(actor);
    await actor.start();
    try {
      // Asking a module nobody runs would only end in E_TIMEOUT after every retry: say so at once.
      await presence.require(argv.module);
      const conversation = actor.request(argv.module, argv.schema, body, { timeoutMs: argv.timeout, ...(argv.allEvents ? { eventsAfterMs: 0 } : {}), ...(argv.retry ? { retry: { attempts: argv.retry } } : {}) });
      conversation.on('progress', printProgress);
      const reply = await conversation.result;
      printJson(reply);
      const failure = failureInReply(reply);
      if (failure) throw failure;
    } finally {
      await actor.stop();
    }
  },
);
