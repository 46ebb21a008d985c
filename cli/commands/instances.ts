import {
  CommsError,
  INSTANCE_COMMANDS,
  INSTANCE_CONTROL_SCHEMA_ID,
  INSTANCE_HISTORY_SCHEMA_ID,
  INSTANCES_LIST_SCHEMA_ID,
  type InstanceControlResult,
  type InstanceHistoryResult,
  type InstancesListing,
} from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { withBus } from '../options.ts';
import { printJson } from '../print.ts';
import { askInstances, formatInstances } from './instances-client.ts';
import { formatHistory, HISTORY_LINE_CHARS, historyPageArgs } from './instances-history.ts';

/** `comms instances`: the LLM instances of a running `comms up`, stored ones included. */
export const instancesCommand = defineCommand(
  'instances',
  'list the LLM instances of the instance-backed modules (module, backend, state, turns, last use)',
  (y) =>
    withBus(y)
      .option('module', { type: 'string', describe: 'only the instances of this module' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' }),
  async (argv) => {
    const listing = await askInstances<InstancesListing>(argv, INSTANCES_LIST_SCHEMA_ID, argv.module ? { module: argv.module } : {});
    if (argv.json) printJson(listing);
    else process.stdout.write(`${formatInstances(listing.instances)}\n`);
  },
);

/**
 * `comms instance pause|resume|terminate ID`: kept in instances.db, so it holds across a restart of
 * `comms up`. `comms instance history ID`: the instance's turns, read from the same file.
 */
export const instanceCommand = defineCommand(
  'instance <action> <id>',
  'pause, resume or terminate one LLM instance, or print its conversation history (see comms instances)',
  (y) =>
    withBus(y)
      .positional('action', { choices: [...INSTANCE_COMMANDS, 'history'] as const, demandOption: true })
      .positional('id', { type: 'string', demandOption: true, describe: 'instance id from comms instances' })
      .option('limit', { type: 'number', describe: 'history: the last N turns (default 50, at most 500)' })
      .option('before', { type: 'number', describe: 'history: only turns before this seq (page back)' })
      .option('chars', { type: 'number', default: HISTORY_LINE_CHARS, describe: 'history: characters of each turn printed (0: all the answer holds)' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' }),
  async (argv) => {
    if (argv.action !== 'history' && (argv.limit !== undefined || argv.before !== undefined)) {
      throw new CommsError('E_USAGE', `--limit and --before page \`comms instance history ID\`; \`comms instance ${argv.action}\` takes neither.`);
    }
    if (argv.action === 'history') {
      const page = historyPageArgs(argv);
      const history = await askInstances<InstanceHistoryResult>(argv, INSTANCE_HISTORY_SCHEMA_ID, page);
      if (argv.json) printJson(history);
      else process.stdout.write(`${formatHistory(history, argv.id, argv.chars)}\n`);
      return;
    }
    const result = await askInstances<InstanceControlResult>(argv, INSTANCE_CONTROL_SCHEMA_ID, { id: argv.id, command: argv.action });
    if (argv.json) printJson(result);
    else process.stdout.write(`${formatInstances([result.instance])}\n`);
  },
);
