import { createArangodbActor } from '../../actors/arangodb/index.ts';
import { createMarkerActor } from '../../actors/marker/index.ts';
import { defineCommand } from '../define-command.ts';
import { DEFAULT_INGEST_DIR, withBus } from '../options.ts';
import { untilSignal } from '../until-signal.ts';

export const actorCommand = defineCommand(
  'actor <name>',
  'run one actor in its own process (marker, arangodb)',
  (y) =>
    withBus(y)
      .positional('name', { choices: ['marker', 'arangodb'] as const, demandOption: true })
      .option('out', { type: 'string', default: DEFAULT_INGEST_DIR, describe: 'arangodb: JSONL output folder' }),
  async (argv) => {
    const auth = { url: argv.url, username: argv.username, password: argv.password };
    const actor = argv.name === 'marker' ? createMarkerActor(auth) : createArangodbActor({ ...auth, outDir: argv.out });
    await actor.start();
    process.stdout.write(`${argv.name} online at ${argv.url}\n`);
    await untilSignal(() => actor.stop());
  },
);
