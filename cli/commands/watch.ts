import { openBusConnection } from '../../actors/runtime/index.ts';
import { newId, Topics } from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { withBus } from '../options.ts';
import { untilSignal } from '../until-signal.ts';

export const watchCommand = defineCommand(
  'watch',
  'print conversation events live',
  (y) => withBus(y),
  async (argv) => {
    // Watching is the observer role's job: it only reads, so a bare connection (no card, no status) is enough.
    const watcher = await openBusConnection({ url: argv.url, clientId: `observer-${newId()}`, username: argv.username, password: argv.password });
    watcher.on('message', (topic, payload) => process.stdout.write(`${topic} ${payload.toString()}\n`));
    await watcher.subscribeAsync(Topics.filters.allConversationEvents, { qos: 1 });
    await untilSignal(() => watcher.endAsync());
  },
);
