#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { CommsError } from '../protocol/index.ts';
import {
  actorCommand,
  askCommand,
  brokerCommand,
  conversationsCommand,
  dashboardCommand,
  eventsCommand,
  exportCommand,
  recorderCommand,
  runCommand,
  statsCommand,
  statusCommand,
  upCommand,
  watchCommand,
} from './commands/index.ts';

/** `comms`: one command a file under commands/, assembled here in the order `--help` lists them. */
await yargs(hideBin(process.argv))
  .scriptName('comms')
  .usage('$0 <command> [options]')
  .command(upCommand)
  .command(dashboardCommand)
  .command(brokerCommand)
  .command(recorderCommand)
  .command(actorCommand)
  .command(askCommand)
  .command(runCommand)
  .command(conversationsCommand)
  .command(statusCommand)
  .command(eventsCommand)
  .command(statsCommand)
  .command(exportCommand)
  .command(watchCommand)
  .demandCommand(1, 'name a command; see --help')
  .strict()
  .fail((message, err, y) => {
    if (err instanceof CommsError) process.stderr.write(`error ${err.code}: ${err.message}\n`);
    else if (err) process.stderr.write(`error: ${err.message}\n`);
    else process.stderr.write(`${message}\n\n${y.help()}\n`);
    process.exit(1);
  })
  .help()
  .parseAsync();
