#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CommsError } from '../protocol/index.ts';
import { printCliError } from './errors.ts';
import { exitQuietlyOnClosedPipe } from './closed-pipe.ts';
import {
  actorCommand,
  askCommand,
  brokerCommand,
  conversationsCommand,
  credsCommand,
  dashboardCommand,
  embedCommand,
  eventsCommand,
  exportCommand,
  instanceCommand,
  instancesCommand,
  mosquittoConfigCommand,
  recorderCommand,
  runCommand,
  statsCommand,
  statusCommand,
  templatesCommand,
  upCommand,
  userCommand,
  watchCommand,
  workflowCommand,
  workflowsCommand,
} from './commands/index.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The flags as parsed so far, so a failure can name the flag or file to change. */
let parsed: Record<string, unknown> | undefined;
const debug = () => parsed?.debug === true || process.argv.includes('--debug');

function fail(err: unknown): never {
  printCliError(err, { debug: debug(), argv: parsed });
  process.exit(1);
}

exitQuietlyOnClosedPipe();
// A failure outside a handler (an emitter, a timer) gets the same two lines, not a raw stack.
process.on('uncaughtException', fail);
process.on('unhandledRejection', fail);

/** `comms`: one command a file under commands/, assembled here in the order `--help` lists them. */
await yargs(hideBin(process.argv))
  .scriptName('comms')
  .usage('$0 <command> [options]')
  .option('debug', { type: 'boolean', default: false, global: true, describe: 'print stack traces with errors' })
  .option('log-level', { choices: LOG_LEVELS, global: true, describe: 'pino log level on stderr (default: warn, info for long-running commands; or $COMMS_LOG_LEVEL)' })
  .middleware((argv) => {
    parsed = argv;
    // Loggers are created inside the commands; the environment is how they all see the one flag.
    if (argv.logLevel) process.env.COMMS_LOG_LEVEL = argv.logLevel;
  })
  .command(upCommand)
  .command(dashboardCommand)
  .command(brokerCommand)
  .command(mosquittoConfigCommand)
  .command(recorderCommand)
  .command(actorCommand)
  .command(askCommand)
  .command(instancesCommand)
  .command(instanceCommand)
  .command(runCommand)
  .command(templatesCommand)
  .command(workflowsCommand)
  .command(workflowCommand)
  .command(conversationsCommand)
  .command(statusCommand)
  .command(eventsCommand)
  .command(embedCommand)
  .command(statsCommand)
  .command(exportCommand)
  .command(watchCommand)
  .command(userCommand)
  .command(credsCommand)
  .demandCommand(1, 'name a command; see --help')
  .strict()
  .fail((message, err) => fail(err ?? new CommsError('E_USAGE', message, { hint: 'see `comms --help` or `comms <command> --help`' })))
  .help()
  .parseAsync()
  .catch(fail);
