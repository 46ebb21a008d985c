import { createRecorder } from '../../actors/recorder/index.ts';
import { defineCommand } from '../define-command.ts';
import { databaseOf, withBus, withDb } from '../options.ts';
import { untilSignal } from '../until-signal.ts';

export const recorderCommand = defineCommand(
  'recorder',
  'run the recorder actor (writes every message to SQLite)',
  (y) => withDb(withBus(y)).option('retention-days', { type: 'number', describe: 'delete records older than this many days' }),
  async (argv) => {
    const db = databaseOf(argv).path;
    const recorder = createRecorder({
      url: argv.url,
      dbPath: db,
      username: argv.username,
      password: argv.password,
      ...(argv.retentionDays ? { retention: { maxAgeMs: argv.retentionDays * 86_400_000 } } : {}),
    });
    await recorder.start();
    process.stdout.write(`recorder: ${argv.url} -> ${db}\n`);
    await untilSignal(() => recorder.stop());
  },
);
