import { createLogger } from '../../logging/index.ts';
import { newId } from '../../protocol/index.ts';
import { DOCUMENT_EMBED_SCHEMA_ID } from '../../protocol/pdf/index.ts';
import { defineCommand } from '../define-command.ts';
import { positiveInteger } from '../flag-values.ts';
import { OnlineModules } from '../online-modules.ts';
import { withBus } from '../options.ts';
import { printJson, printProgress } from '../print.ts';

export const embedCommand = defineCommand(
  'embed <documentKey>',
  'ask arangodb to add embeddings to a document it ingested earlier (needs its --embeddings provider)',
  (y) =>
    withBus(y)
      .positional('documentKey', { type: 'string', demandOption: true, describe: 'the documentKey of an ingest result (comms run prints it)' })
      .option('timeout', { default: 300_000, describe: 'milliseconds to wait for the reply', coerce: positiveInteger('--timeout') }),
  async (argv) => {
    const { Actor } = await import('../../actors/runtime/index.ts');
    const actor = new Actor({ name: 'client', clientId: `client-${newId()}`, url: argv.url, username: argv.username, password: argv.password, logger: createLogger('client', process.env.COMMS_LOG_LEVEL ?? 'warn') });
    const presence = new OnlineModules(actor);
    await actor.start();
    try {
      await presence.require('arangodb');
      const conversation = actor.request('arangodb', DOCUMENT_EMBED_SCHEMA_ID, { documentKey: argv.documentKey }, { timeoutMs: argv.timeout });
      conversation.on('progress', printProgress);
      printJson(await conversation.result);
    } finally {
      await actor.stop();
    }
  },
);
