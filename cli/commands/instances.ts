import {
  INSTANCE_COMMANDS,
  INSTANCE_CONTROL_SCHEMA_ID,
  INSTANCES_LIST_SCHEMA_ID,
  type InstanceControlResult,
  type InstancesListing,
} from '../../protocol/index.ts';
import { defineCommand } from '../define-command.ts';
import { withBus } from '../options.ts';
import { printJson } from '../print.ts';
import { askInstances, formatInstances } from './instances-client.ts';

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

/** `comms instance pause|resume|terminate ID`: kept in instances.db, so it holds across a restart of `comms up`. */
export const instanceCommand = defineCommand(
  'instance <action> <id>',
  'pause, resume or terminate one LLM instance (see comms instances)',
  (y) =>
    withBus(y)
      .positional('action', { choices: INSTANCE_COMMANDS, demandOption: true })
      .positional('id', { type: 'string', demandOption: true, describe: 'instance id from comms instances' })
      .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' }),
  async (argv) => {
    const result = await askInstances<InstanceControlResult>(argv, INSTANCE_CONTROL_SCHEMA_ID, { id: argv.id, command: argv.action });
    if (argv.json) printJson(result);
    else process.stdout.write(`${formatInstances([result.instance])}\n`);
  },
);
