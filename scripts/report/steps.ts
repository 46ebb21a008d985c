import type { ReportStep, StepContext } from './types.ts';

const mocha = (files: string[]) => ['npx', 'mocha', '--no-config', '--node-option', 'import=tsx', '--require', 'test/support/quiet-logs.ts', '--timeout', '120000', '--exit', ...files];
const corpusOf = (ctx: StepContext) => ctx.corpus ?? ctx.besideCorpus;

/**
 * Everything `npm run report` runs, in order. To add a benchmark or command to the reports, add one
 * entry here naming the capabilities it speaks for (scripts/report/types.ts, ReportStep).
 */
export const STEPS: ReportStep[] = [
  {
    id: 'demo',
    title: 'The demo (npm start)',
    capabilities: ['marker-to-arangodb', 'progress-tracking', 'pdf-exchange-format'],
    command: (ctx) => ['npm', 'start', '--', '--data', `${ctx.scratch}/demo-data`],
    figures: [
      { pattern: /document:\s+.*, (\d+) pages/, names: ['pages'] },
      { pattern: /structure:\s+(\d+) sections, (\d+) blocks/, names: ['sections', 'blocks'] },
      { pattern: /(\d+) messages recorded \((\d+) invalid\), (\d+) dead letters/, names: ['messages recorded', 'invalid messages', 'dead letters'] },
      { pattern: /embedding:\s+.*\((\d+) dims/, names: ['embedding dimensions (advertised)'] },
    ],
  },
  {
    id: 'bench-recorded',
    title: 'Benchmark: recorded throughput',
    capabilities: ['progress-tracking'],
    command: (ctx) => ['npm', 'run', 'bench', '--', '--only', 'recorded', ...(ctx.short ? ['--messages', '3000', '--timeout', '300'] : [])],
    figures: [{ pattern: /the recorder commits (\S+) msg\/s = (\S+)x? raw aedes delivery \((\S+) msg\/s\)/, names: ['recorder commits', 'recorder / raw aedes', 'raw aedes delivery'], units: ['msg/s', 'ratio', 'msg/s'] }],
  },
  {
    id: 'bench-rpc',
    title: 'Benchmark: request/reply',
    capabilities: ['progress-tracking'],
    command: (ctx) => ['npm', 'run', 'bench', '--', '--only', 'rpc', ...(ctx.short ? ['--requests', '400', '--concurrency', '1,16', '--timeout', '300'] : [])],
    figures: [
      {
        pattern: /C=(\d+): (\S+) conv\/s \(p50 (\S+) ms, p99 (\S+) ms\) = (\S+) raw mqtt\.js/g,
        names: ['concurrency', 'Actor ask() at C={1}', 'p50 at C={1}', 'p99 at C={1}', 'Actor / raw mqtt.js at C={1}'],
        units: ['', 'conv/s', 'ms', 'ms', 'ratio'],
      },
    ],
  },
  {
    id: 'bench-scale',
    title: 'Benchmark: ask() at scale, separate processes, recorder on',
    capabilities: ['progress-tracking'],
    command: (ctx) => ['npm', 'run', 'bench', '--', '--only', 'sequential,concurrent', ...(ctx.short ? ['--count', '500', '--concurrent', '1000', '--timeout', '400'] : [])],
  },
  {
    id: 'bench-instances',
    title: 'Benchmark: cold vs warm pooled instance (loopback Messages API, stand-in claude CLI)',
    capabilities: ['instances'],
    command: () => ['npm', 'run', 'bench', '--', '--only', 'instances'],
  },
  {
    id: 'bench-pdf',
    title: 'Benchmark: PDF extraction vs pdftotext',
    capabilities: ['pdf-exchange-format'],
    // Short mode measures the generated sample only (bench/pdf.ts alone); the full run takes the corpus through npm run bench.
    command: (ctx) => (ctx.short || !corpusOf(ctx) ? ['npx', 'tsx', 'bench/pdf.ts'] : ['npm', 'run', 'bench', '--', '--only', 'pdf', '--pdf', '--pdf-corpus', corpusOf(ctx)!]),
    figures: [
      { pattern: /extractPdf (?:runs )?at (\S+) the page rate of pdftotext/, names: ['extractPdf / pdftotext page rate'], units: ['ratio'] },
      { pattern: /peak RSS:? (?:extractPdf )?(\d+) MB/, names: ['peak RSS'], units: ['MB'] },
    ],
  },
  {
    id: 'eval-headings',
    title: 'Extraction eval: headings vs the PDFs’ outlines (npm run eval)',
    capabilities: ['pdf-exchange-format'],
    command: (ctx) => {
      const corpus = corpusOf(ctx);
      if (!corpus) return { skip: 'no corpus: pass --corpus DIR or set COMMS_CORPUS (../shared/corpus does not exist)' };
      return ['npm', 'run', 'eval', '--', '--corpus', corpus, '--out', `${ctx.scratch}/headings.json`];
    },
    figures: [{ pattern: /^MICRO\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)/m, names: ['outline headings', 'headings found', 'matched', 'recall', 'precision'] }],
  },
  {
    id: 'eval-corpus',
    title: 'Corpus tests (npm run eval:corpus)',
    capabilities: ['pdf-exchange-format', 'marker-to-arangodb'],
    command: (ctx) => (ctx.corpus ? ['npm', 'run', 'eval:corpus', '--', '--corpus', ctx.corpus] : { skip: 'runs only when a corpus is given (--corpus DIR or COMMS_CORPUS)' }),
  },
  {
    id: 'chaos',
    title: 'Fault tests (npm run chaos)',
    capabilities: ['progress-tracking'],
    command: (ctx) => ['npm', 'run', 'chaos', '--', ...(ctx.short ? ['--runs', '1', '--messages', '500'] : [])],
    figures: [
      { pattern: /(\d+) run\(s\) x (\d+) QoS 1 messages per scenario/, names: ['runs per scenario', 'messages per run'] },
      // One row per broker and fault; the missing count is a figure when one run was made (else a list, kept in the output).
      {
        pattern: /^\| (embedded|mosquitto) \| ([a-z-]+) \| (\d+) \| (\d+) \| (\d+) \| (\d+)\/(\d+) \|$/gm,
        names: ['', '', 'acked but missing from SQLite ({1}, {2})', 'acked ({1}, {2})', 'conversations left open ({1}, {2})', 'handlers run twice ({1}, {2})', 'rows with attempt > 1 ({1}, {2})'],
      },
    ],
  },
  { id: 'test-instances', title: 'Instance tests', capabilities: ['instances'], command: () => mocha(['test/instances.test.ts', 'test/instances-pool.test.ts', 'test/instances-store.test.ts', 'test/instance-backed-actor.test.ts', 'test/instances-claude-code.test.ts', 'test/advisor.test.ts', 'test/config.test.ts', 'test/instance-host.test.ts', 'test/instances-cli.test.ts']) },
  { id: 'test-conversations', title: 'Conversation tests', capabilities: ['progress-tracking'], command: () => mocha(['test/conversation.test.ts', 'test/conversation-ends.test.ts', 'test/conversation-budget.test.ts', 'test/recorder-crash.test.ts', 'test/recorder-write-path.test.ts', 'test/responder-faults.test.ts']) },
  { id: 'test-orchestrator', title: 'Orchestrator tests', capabilities: ['orchestration'], command: () => mocha(['test/orchestrator.test.ts', 'test/workflow-templates.test.ts', 'test/cli-workflows.test.ts']) },
  { id: 'test-pdf', title: 'PDF protocol, extraction and embedding tests', capabilities: ['pdf-exchange-format'], command: () => mocha(['test/pdf-protocol.test.ts', 'test/extraction.test.ts', 'test/embeddings.test.ts']) },
  { id: 'test-flagship', title: 'Flagship and ingest tests', capabilities: ['marker-to-arangodb'], command: () => mocha(['test/flagship.test.ts', 'test/ingest.test.ts', 'test/demo.test.ts', 'test/embeddings-cli.test.ts']) },
  { id: 'test-docs', title: 'Docs tests', capabilities: ['docs'], command: () => mocha(['test/docs.test.ts']) },
];
