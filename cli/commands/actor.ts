import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir } from '../data-dir.ts';
import { defineCommand } from '../define-command.ts';
import { positiveInteger, usage } from '../flag-values.ts';
import { withBus, withData } from '../options.ts';
import { untilSignal } from '../until-signal.ts';
import type { EmbeddingProvider } from '../../embeddings/index.ts';
import { embeddingsConfig, withEmbeddings } from '../embeddings-flag.ts';

export const actorCommand = defineCommand(
  'actor <name>',
  'run one actor in its own process (marker, arangodb, orchestrator)',
  (y) =>
    withEmbeddings(withData(withBus(y)))
      .positional('name', { choices: ['marker', 'arangodb', 'orchestrator'] as const, demandOption: true })
      .option('out', { type: 'string', describe: 'arangodb: JSONL output folder (default DATA/ingest)' })
      .option('inputs', { type: 'string', array: true, describe: 'marker: a folder it may read PDFs from by path, besides DATA/inputs (repeatable)' })
      .option('replica', { coerce: positiveInteger('--replica'), describe: 'marker, arangodb: run as replica N, sharing the inbox with the other replicas (needs mosquitto, docs/scaling.md)' }),
  async (argv) => {
    if (argv.replica !== undefined && argv.name === 'orchestrator') throw usage('--replica is for marker and arangodb: the orchestrator keeps its workflows in one state file and runs once.', 'run one orchestrator; scale marker or arangodb with --replica N');
    const { createArangodbActor } = await import('../../actors/arangodb/index.ts');
    const { createMarkerActor } = await import('../../actors/marker/index.ts');
    const { createOrchestrator } = await import('../../actors/orchestrator/index.ts');
    const auth = { url: argv.url, username: argv.username, password: argv.password, ...(argv.replica === undefined ? {} : { replica: argv.replica }) };
    const actor = argv.name === 'marker' ? createMarkerActor({ ...auth, inputRoots: [join(resolveDataDir(argv.data).path, 'inputs'), ...(argv.inputs ?? [])] }) : argv.name === 'arangodb' ? createArangodbActor({ ...auth, outDir: argv.out ?? join(resolveDataDir(argv.data).path, 'ingest'), ...(await arangodbEmbeddings(argv.embeddings)) }) : undefined;
    // The orchestrator keeps its workflows in DATA/workflows.db, where `comms up` keeps them: running it alone resumes them.
    const orchestrator = argv.name === 'orchestrator' ? createOrchestrator({ ...auth, statePath: workflowsDb(argv.data) }) : undefined;
    const running = actor ?? orchestrator;
    if (!running) return;
    await running.start();
    // Handlers first, then the line scripts wait for: a signal sent on seeing it must find them.
    const stopped = untilSignal(() => running.stop());
    process.stdout.write(`${argv.name}${argv.replica === undefined ? '' : ` replica ${argv.replica}`} online at ${argv.url}\n`);
    await stopped;
  },
);

/** DATA/workflows.db, its folder created when missing. */
function workflowsDb(dataFlag: string | undefined): string {
  const data = resolveDataDir(dataFlag).path;
  mkdirSync(data, { recursive: true });
  return join(data, 'workflows.db');
}

/** arangodb's provider from --embeddings / COMMS_EMBEDDINGS, as an option to spread. */
async function arangodbEmbeddings(flag: string | undefined): Promise<{ embeddings?: EmbeddingProvider }> {
  const config = embeddingsConfig(flag);
  if (!config) return {};
  const { createEmbeddingProvider } = await import('../../embeddings/index.ts');
  return { embeddings: createEmbeddingProvider(config) };
}
