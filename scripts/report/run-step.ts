import { spawn } from 'node:child_process';
import { extractFigures, extractFindings, extractSummaries, stripAnsi } from './figures.ts';
import type { ReportStep, StepContext, StepRecord } from './types.ts';

/** Outputs kept in a run record: the tail, when a command prints more. */
const MAX_OUTPUT = 200_000;

const tail = (text: string) => (text.length > MAX_OUTPUT ? text.slice(text.length - MAX_OUTPUT) : text);

/** A shell-readable command line, for the report. */
export function commandLine(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

interface Exit {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Run argv in its own process group, so a timeout ends the command and everything it started. */
function run(argv: string[], options: { cwd: string; timeoutMs: number; env?: Record<string, string> }): Promise<Exit> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout = tail(stdout + c.toString())));
    child.stderr.on('data', (c: Buffer) => (stderr = tail(stderr + c.toString())));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, options.timeoutMs);
    const done = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      resolve({ code, signal, timedOut, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr), seconds: Math.round((performance.now() - started) / 100) / 10 });
    };
    child.on('error', (err) => {
      stderr += `\ncould not start ${argv[0]}: ${err.message}`;
      done(null, null);
    });
    child.on('close', done);
  });
}

/** Run one step (or record why it was skipped), with its figures, summaries and findings. */
export async function runStep(step: ReportStep, ctx: StepContext, repo: string): Promise<StepRecord> {
  const argv = step.command(ctx);
  if (!Array.isArray(argv)) return { id: step.id, title: step.title, command: '', skipped: argv.skip, figures: [], summaries: [], findings: [] };
  const timeoutSeconds = step.timeoutSeconds ?? (ctx.short ? 900 : 3600);
  const exit = await run(argv, { cwd: repo, timeoutMs: timeoutSeconds * 1000, ...(step.env ? { env: step.env } : {}) });
  const output = `${exit.stdout}\n${exit.stderr}`;
  const findings = extractFindings(output);
  if (exit.timedOut) findings.unshift(`timed out after ${timeoutSeconds} s and was killed`);
  else if (exit.code !== 0) findings.unshift(`exited with code ${exit.code}${exit.signal ? ` (signal ${exit.signal})` : ''}`);
  return {
    id: step.id,
    title: step.title,
    command: commandLine(argv),
    exitCode: exit.code,
    signal: exit.signal,
    timedOut: exit.timedOut,
    seconds: exit.seconds,
    stdout: exit.stdout,
    stderr: exit.stderr,
    figures: extractFigures(output, step.figures),
    summaries: extractSummaries(output),
    findings,
  };
}
