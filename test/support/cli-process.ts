import { execFile, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

export const repo = fileURLToPath(new URL('../..', import.meta.url));
export const commsBin = fileURLToPath(new URL('../../bin/comms.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `comms` (bin/comms.js, as a user would) and resolves with its exit code and output
 * whatever the code. `cwd` defaults to the repository; COMMS_DATA is removed unless `env` sets it.
 */
export function commsRun(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, COMMS_LOG_LEVEL: 'silent', ...options.env };
  if (!options.env?.COMMS_DATA) delete env.COMMS_DATA;
  return new Promise((resolve) => {
    execFile(process.execPath, [commsBin, ...args], { cwd: options.cwd ?? repo, env }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The whole shape of a CLI failure: exit 1, exactly `error CODE: message` + `hint: ...`, no stack. `code` may be a regex source. */
export function expectCliError(run: CliRun, code: string, options: { afterProgress?: boolean } = {}): { message: string; hint: string } {
  expect(run.code, run.stderr).to.equal(1);
  // Commands that follow a conversation print its progress bars on stderr first (`[###...]  40% ...`).
  const lines = run.stderr.trimEnd().split('\n').filter((line) => !(options.afterProgress && /^\[[#.]+\]/.test(line)));
  expect(lines, run.stderr).to.have.length(2);
  expect(lines[0]).to.match(new RegExp(`^error ${code}: \\S`));
  expect(lines[1]).to.match(/^hint: \S/);
  expect(run.stderr).to.not.contain('    at ');
  return { message: (lines[0] as string).replace(/^error E_[A-Z_]+: /, ''), hint: (lines[1] as string).slice('hint: '.length) };
}

/** Wait for a line matching `pattern` on a child's stream (event-driven, no polling). */
export function lineOn(child: ChildProcess, stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        child[stream]?.off('data', onData);
        resolve(match);
      }
    };
    child[stream]?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`comms exited ${code} before ${pattern}: ${seen}`)));
  });
}
