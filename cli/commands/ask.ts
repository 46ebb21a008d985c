import { Actor } from '../../actors/runtime/index.ts';
import { createLogger } from '../../logging/index.ts';
import { CommsError, newId } from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { withBus } from '../options.ts';
import { printJson, printProgress } from '../print.ts';

export const askCommand = defineCommand(
  'ask <module> <schema> [body]',
  'send one request and print the reply',
  (y) =>
    withBus(y)
      .positional('module', { type: 'string', demandOption: true })
      .positional('schema', { type: 'string', demandOption: true, describe: 'e.g. pdf.requirements.query@1' })
      .positional('body', { type: 'string', default: '{}', describe: 'JSON body' })
      .option('timeout', { type: 'number', default: 30_000 }),
  async (argv) => {
    let body: unknown;
    try {
      body = JSON.parse(argv.body);
    } catch (err) {
      throw new CommsError('E_JSON_INVALID', `body is not JSON: ${(err as Error).message}`);
    }
    const actor = new Actor({ name: 'client', clientId: `client-${newId()}`, url: argv.url, username: argv.username, password: argv.password, logger: createLogger('client', 'warn') });
    await actor.start();
    try {
      const conversation = actor.request(argv.module, argv.schema, body, { timeoutMs: argv.timeout });
      conversation.on('progress', printProgress);
      printJson(await conversation.result);
    } finally {
      await actor.stop();
    }
  },
);
