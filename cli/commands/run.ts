import { resolve } from 'node:path';
import { createLogger } from '../../logging/index.ts';
import { runFlagship } from '../../system/index.ts';
import { defineCommand } from '../define-command.ts';
import { DEFAULT_DATA, DEFAULT_INGEST_DIR } from '../options.ts';
import { printJson, printProgress } from '../print.ts';

export const runCommand = defineCommand(
  'run marker-to-arangodb',
  "the flagship: marker converts a PDF to arangodb's required format and hands it over",
  (y) =>
    y
      .option('pdf', { type: 'string', demandOption: true })
      .option('pdf-password', { type: 'string' })
      .option('out', { type: 'string', default: DEFAULT_INGEST_DIR })
      .option('max-pages', { type: 'number' })
      .option('url', { type: 'string', describe: 'use a running system; without it an embedded broker, the recorder and the modules start here' })
      .option('username', { type: 'string', default: process.env.COMMS_USERNAME })
      .option('password', { type: 'string', default: process.env.COMMS_PASSWORD }),
  async (argv) => {
    // Without --url the run is recorded in $COMMS_DATA/comms.db, where `comms status` looks by default.
    const { result, conversationId } = await runFlagship({
      url: argv.url,
      username: argv.username,
      password: argv.password,
      dataDir: DEFAULT_DATA,
      outDir: argv.out,
      pdf: resolve(argv.pdf),
      pdfPassword: argv.pdfPassword,
      maxPages: argv.maxPages,
      logger: createLogger('flagship', process.env.COMMS_LOG_LEVEL ?? 'warn'),
      onProgress: printProgress,
    });
    printJson({ conversationId, ...result });
  },
);
