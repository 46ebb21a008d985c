import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

describe('npm run chaos (short: 1 run per scenario)', function () {
  this.timeout(600_000);

  it('loses no acked message with the recorder or the embedded broker SIGKILLed mid-stream', async () => {
    // Exit code 1 (a rejected promise here) means an acked message is missing from SQLite.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', '--runs', '1', '--messages', '300'], { cwd: repo, maxBuffer: 4 * 1024 * 1024 });
    expect(stdout).to.match(/\| embedded \| broker-kill \| 0 \| 300 \|/);
    expect(stdout).to.match(/\| embedded \| recorder-kill \| 0 \| 300 \|/);
  });
});
