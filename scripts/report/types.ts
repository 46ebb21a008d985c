/** The capabilities a report is written for (one docs/reports/<id>.md each). */
export type CapabilityId = 'instances' | 'progress-tracking' | 'pdf-exchange-format' | 'orchestration' | 'marker-to-arangodb' | 'docs';

export interface Capability {
  id: CapabilityId;
  title: string;
  /** What the runs below show, in one paragraph (no figures: figures come from runs). */
  about: string;
  /** Limitations known from the design, stated beside the ones the runs found. */
  knownLimitations: string[];
}

/** How a step is run this time. */
export interface StepContext {
  short: boolean;
  /** An explicit corpus (--corpus / COMMS_CORPUS), if any. */
  corpus?: string;
  /** ../shared/corpus beside the repository when it exists (what eval and bench fall back to). */
  besideCorpus?: string;
  /** A scratch folder for this run, removed afterwards. */
  scratch: string;
}

/** One measured figure: the text as printed (`raw`) and its number. */
export interface Figure {
  name: string;
  raw: string;
  value: number;
  unit?: string;
}

/**
 * One command the report runs. Add a benchmark or command to the reports with one entry in
 * STEPS (steps.ts): a command line, the capabilities it speaks for, and optionally patterns for
 * its figures (lines starting with `Summary:` and mocha's passing/failing counts are taken anyway).
 */
export interface ReportStep {
  id: string;
  title: string;
  capabilities: CapabilityId[];
  /** argv, run from the repository root; or why it is skipped this time. */
  command(ctx: StepContext): string[] | { skip: string };
  /** Named figures: each pattern's groups become figures named by `names` (global patterns may match many times). */
  figures?: FigurePattern[];
  /** Default 900 s (short) / 3600 s (full). */
  timeoutSeconds?: number;
  /** Extra environment for the command. */
  env?: Record<string, string>;
}

export interface FigurePattern {
  pattern: RegExp;
  /** Figure names per capture group; `{1}` etc. refer to other groups' text (e.g. a concurrency level). */
  names: string[];
  units?: string[];
}

/** What one step did: the raw record the reports are written from. */
export interface StepRecord {
  id: string;
  title: string;
  command: string;
  skipped?: string;
  exitCode?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  seconds?: number;
  stdout?: string;
  stderr?: string;
  figures: Figure[];
  summaries: string[];
  /** Lines of the output that report a failure, a skip or a warning. */
  findings: string[];
}

export interface MachineRecord {
  hostname: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  gitCommit: string;
}

/** docs/reports/runs/<capability>.json. */
export interface RunRecord {
  capability: CapabilityId;
  title: string;
  generatedAt: string;
  mode: 'short' | 'full';
  machine: MachineRecord;
  about: string;
  knownLimitations: string[];
  steps: StepRecord[];
}
