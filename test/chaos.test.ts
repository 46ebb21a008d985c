import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MOSQUITTO } from './support/mosquitto.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

describe('npm run chaos (short: 1 run per scenario)', function () {
  this.timeout(900_000);

  it('loses no acked message and leaves no conversation open, whatever process is SIGKILLed mid-stream', async () => {
    // Exit code 1 (a rejected promise here) means an acked message is missing from SQLite or a conversation stayed open.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/chaos.ts', '--runs', '1', '--messages', '300', '--conversations', '12'], { cwd: repo, maxBuffer: 4 * 1024 * 1024 });
    for (const fault of ['none', 'recorder-kill', 'broker-kill', 'responder-kill', 'requester-kill']) {
      // broker | fault | missing | acked | open | ran twice / attempt > 1
      expect(stdout).to.match(new RegExp(`\\| embedded \\| ${fault} \\| 0 \\| 300 \\| 0 \\| \\d+/\\d+ \\|`));
      if (MOSQUITTO) expect(stdout).to.match(new RegExp(`\\| mosquitto \\| ${fault} \\| \\d+ \\| \\d+ \\| 0 \\| \\d+/\\d+ \\|`));
    }
  });
});
