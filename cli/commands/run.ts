import { join, resolve } from 'node:path';
import { createLogger } from '../../logging/index.ts';
import { isPdfUrl } from '../../actors/flagship/index.ts';
import { runFlagship } from '../../system/index.ts';
import { defineCommand } from '../define-command.ts';
import { resolveDataDir } from '../data-dir.ts';
import { oneOf, positiveInteger } from '../flag-values.ts';
import { withData } from '../options.ts';
import { printJson, printProgress } from '../print.ts';

/** The workflows `comms run` knows; anything else is E_USAGE naming these. */
const WORKFLOWS = ['marker-to-arangodb'] as const;

export const runCommand = defineCommand(
  'run <workflow>',
  "the flagship: marker converts a PDF to arangodb's required format and hands it over",
  (y) =>
    withData(y)
      .positional('workflow', { type: 'string', choices: WORKFLOWS, demandOption: true, coerce: oneOf('workflow', WORKFLOWS) })
      .option('pdf', { type: 'string', demandOption: true, describe: 'PDF file (its folder becomes one of marker\'s input folders when the system starts here) or http(s) URL' })
      .option('inline', { type: 'boolean', default: false, describe: "send the PDF's bytes in the request (up to about 9 MiB) instead of its path: for a marker that cannot read this folder" })
      .option('pdf-password', { type: 'string', describe: 'password of an encrypted PDF (--password is the MQTT password)' })
      .option('out', { type: 'string', describe: 'JSONL output folder; default ingest/ in the data folder' })
      .option('max-pages', { coerce: positiveInteger('--max-pages') })
      .option('url', { type: 'string', describe: 'use a running system; without it an embedded broker, the recorder and the modules start here' })
      .option('username', { type: 'string', default: process.env.COMMS_USERNAME })
      .option('password', { type: 'string', default: process.env.COMMS_PASSWORD }),
  async (argv) => {
    // Without --url the run is recorded in DATA/comms.db, where `comms status` looks by default.
    const data = resolveDataDir(argv.data).path;
    const { result, conversationId } = await runFlagship({
      url: argv.url,
      username: argv.username,
      password: argv.password,
      dataDir: data,
      outDir: argv.out ?? join(data, 'ingest'),
      pdf: isPdfUrl(argv.pdf) ? argv.pdf : resolve(argv.pdf),
      inline: argv.inline,
      pdfPassword: argv.pdfPassword,
      maxPages: argv.maxPages,
      logger: createLogger('flagship', process.env.COMMS_LOG_LEVEL ?? 'warn'),
      onProgress: printProgress,
    });
    printJson({ conversationId, ...result });
  },
);
