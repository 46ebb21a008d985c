import { decodeEnvelope, newId, parseTopic, Topics, type ConversationEvent } from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { oneOf } from '../flag-values.ts';
import { withBus } from '../options.ts';
import { untilSignal } from '../until-signal.ts';
import { QuietEndings } from '../quiet-endings.ts';
import { eventMatches, formatEventLine } from '../watch-line.ts';
import { CONVERSATION_STATES } from './conversations.ts';

export const watchCommand = defineCommand(
  'watch',
  'print conversation events live, one line each',
  (y) =>
    withBus(y)
      .option('module', { type: 'string', describe: 'only events where this module is requester or responder' })
      .option('conversation', { type: 'string', describe: 'only this conversation' })
      .option('state', { type: 'string', choices: CONVERSATION_STATES, coerce: oneOf('--state', CONVERSATION_STATES), describe: 'only events in this state' })
      .option('json', { type: 'boolean', default: false, describe: 'one JSON line per event: { topic, message } with the raw envelope' }),
  async (argv) => {
    // Watching is the observer role's job: it only reads, so a bare connection (no card, no status) is enough.
    const { openBusConnection } = await import('../../actors/runtime/index.ts');
    const watcher = await openBusConnection({ url: argv.url, clientId: `${argv.username ?? 'observer'}-${newId()}`, username: argv.username, password: argv.password });
    const quiet = new QuietEndings();
    watcher.on('message', (topic, payload) => {
      const isReply = parseTopic(topic)?.kind === 'replies';
      let envelope;
      try {
        envelope = decodeEnvelope(payload, isReply ? {} : { schema: 'conversation.event@1' });
      } catch (err) {
        process.stderr.write(`skipped an unreadable ${isReply ? 'reply' : 'event'} on ${topic}: ${(err as Error).message}\n`);
        return;
      }
      if (argv.conversation && envelope.conversationId !== argv.conversation) return;
      const event = isReply ? quiet.reply(envelope) : (envelope.body as ConversationEvent);
      if (!event || (!isReply && !quiet.event(envelope.conversationId, event))) return;
      if (!eventMatches(event, { module: argv.module, state: argv.state })) return;
      process.stdout.write(argv.json ? `${JSON.stringify({ topic, message: envelope })}\n` : `${formatEventLine(envelope, event)}\n`);
    });
    const filter = argv.conversation ? Topics.conversationEvents(argv.conversation) : Topics.filters.allConversationEvents;
    // A quiet conversation publishes no event when a reply ends it: its reply says so (quiet-endings.ts).
    await watcher.subscribeAsync([filter, Topics.filters.allReplies], { qos: 1 });
    // On stderr, so stdout stays the events; scripts (and tests) wait for this line before acting.
    process.stderr.write(`watching ${filter} on ${argv.url}\n`);
    await untilSignal(() => watcher.endAsync());
  },
);
