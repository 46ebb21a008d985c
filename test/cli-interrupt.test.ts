import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeSamplePdf } from '../samples/index.ts';
import { commsBin, commsRun, repo } from './support/cli-process.ts';

function start(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [commsBin, ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'warn' } });
  const text = { stdout: '', stderr: '' };
  const waiters: Array<{ stream: 'stdout' | 'stderr'; pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      text[stream] += chunk.toString();
      for (const w of [...waiters]) {
        const m = w.stream === stream ? w.pattern.exec(text[stream]) : null;
        if (m) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    waitFor: (stream, pattern) => {
      const m = pattern.exec(text[stream]);
      return m ? Promise.resolve(m) : new Promise((resolve) => waiters.push({ stream, pattern, resolve }));
    },
    exited,
  };
}

describe('comms up interrupted while a client waits (issue 12)', function () {
  this.timeout(300_000);
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'comms-interrupt-'));
    mkdirSync(join(dir, 'data', 'inputs'), { recursive: true });
    // Long enough that the conversion is still running when the signal arrives.
    writeFileSync(join(dir, 'data', 'inputs', 'big.pdf'), await makeSamplePdf({ variant: 'long', pages: 400 }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('SIGTERM ends the in-flight conversation with E_SHUTTING_DOWN, the client says so at once, and up exits', async () => {
    const data = join(dir, 'data');
    const up = start(['up', '--data', data, '--port', '0', '--ws-port', '0', '--no-dashboard']);
    const url = (await up.waitFor('stdout', /broker (mqtt:\/\/[^\s,]+)/))[1] as string;
    const password = (await commsRun(['creds', 'client', '--password-only', '--data', data])).stdout.trim();
    const client = start(['run', 'marker-to-arangodb', '--url', url, '--username', 'client', `--password=${password}`, '--pdf', join(data, 'inputs', 'big.pdf')]);
    // A page-progress line: marker is in the middle of the conversion.
    await client.waitFor('stderr', /page \d+\/\d+/);
    up.child.kill('SIGTERM');

    expect(await client.exited, client.stderr()).to.equal(1);
    // The flagship is a workflow: the orchestrator, stopped first, answers its workflow.execute@1 (the workflow continues on the next start).
    expect(client.stderr()).to.match(/^error E_SHUTTING_DOWN: (orchestrator|marker) is shutting down/m).and.to.match(/^hint: /m);
    expect(client.stderr()).to.not.contain('    at ');
    expect(await up.exited, up.stderr()).to.equal(0);
  });
});
