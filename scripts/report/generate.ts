import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CAPABILITIES } from './capabilities.ts';
import { machineRecord } from './machine.ts';
import { renderReport } from './render.ts';
import { runStep } from './run-step.ts';
import { STEPS } from './steps.ts';
import type { Capability, ReportStep, RunRecord, StepContext, StepRecord } from './types.ts';

export interface ReportOptions {
  repo: string;
  /** docs/reports; run records go to `{outDir}/runs`. */
  outDir: string;
  short: boolean;
  corpus?: string;
  /** Run only these step ids (the reports then hold only them). */
  only?: readonly string[];
  steps?: readonly ReportStep[];
  capabilities?: readonly Capability[];
  log?: (line: string) => void;
}

function stepsToRun(options: ReportOptions): ReportStep[] {
  const steps = options.steps ?? STEPS;
  if (!options.only) return [...steps];
  const unknown = options.only.filter((id) => !steps.some((s) => s.id === id));
  if (unknown.length > 0) throw new Error(`unknown step(s) ${unknown.join(', ')}; known: ${steps.map((s) => s.id).join(', ')}`);
  return steps.filter((s) => options.only!.includes(s.id));
}

/** Run every step once, then write one report and one run record per capability. Answers the records. */
export async function generateReports(options: ReportOptions): Promise<RunRecord[]> {
  const log = options.log ?? (() => {});
  const scratch = mkdtempSync(join(tmpdir(), 'comms-report-'));
  const beside = resolve(options.repo, '..', 'shared', 'corpus');
  const ctx: StepContext = { short: options.short, scratch, ...(options.corpus ? { corpus: resolve(options.corpus) } : {}), ...(existsSync(beside) ? { besideCorpus: beside } : {}) };
  const records = new Map<string, StepRecord>();
  try {
    for (const step of stepsToRun(options)) {
      log(`report: ${step.id} ...`);
      const record = await runStep(step, ctx, options.repo);
      records.set(step.id, record);
      log(`report: ${step.id} ${record.skipped !== undefined ? `skipped (${record.skipped})` : `exit ${record.exitCode} in ${record.seconds} s`}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return writeReports(options, [...records.values()]);
}

function writeReports(options: ReportOptions, done: StepRecord[]): RunRecord[] {
  const steps = options.steps ?? STEPS;
  const machine = machineRecord(options.repo);
  const generatedAt = new Date().toISOString();
  mkdirSync(join(options.outDir, 'runs'), { recursive: true });
  return (options.capabilities ?? CAPABILITIES).map((capability) => {
    const record: RunRecord = {
      capability: capability.id,
      title: capability.title,
      generatedAt,
      mode: options.short ? 'short' : 'full',
      machine,
      about: capability.about,
      knownLimitations: capability.knownLimitations,
      steps: done.filter((r) => steps.find((s) => s.id === r.id)?.capabilities.includes(capability.id)),
    };
    writeFileSync(join(options.outDir, 'runs', `${capability.id}.json`), `${JSON.stringify(record, null, 2)}\n`);
    writeFileSync(join(options.outDir, `${capability.id}.md`), `${renderReport(record)}\n`);
    return record;
  });
}
