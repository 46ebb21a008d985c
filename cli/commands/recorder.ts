import { defineCommand } from '../define-command.ts';
import { databaseOf, withBus, withDb } from '../options.ts';
import { untilSignal } from '../until-signal.ts';
import { retentionPolicy, withRetention } from '../retention-options.ts';

export const recorderCommand = defineCommand(
  'recorder',
  'run the recorder actor (writes every message to SQLite)',
  (y) => withRetention(withDb(withBus(y)), undefined),
  async (argv) => {
    const db = databaseOf(argv).path;
    const retention = retentionPolicy(argv);
    const { createRecorder } = await import('../../actors/recorder/index.ts');
    const recorder = createRecorder({
      url: argv.url,
      dbPath: db,
      username: argv.username,
      password: argv.password,
      ...(retention ? { retention } : {}),
    });
    await recorder.start();
    process.stdout.write(`recorder: ${argv.url} -> ${db}\n`);
    await untilSignal(() => recorder.stop());
  },
);
