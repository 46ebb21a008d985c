import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commsRun, expectCliError } from './support/cli-process.ts';

/** Bad flags of `comms broker` and `comms mosquitto-config`: E_USAGE naming the flag, before anything is started or written. */
describe('comms broker / mosquitto-config: bad input', function () {
  // Each case is a real `comms` process (seconds each on a loaded machine); the bound is not a budget.
  this.timeout(600_000);
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'comms-broker-input-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const broker = (...args: string[]) => commsRun(['broker', '--data', join(dir, 'data'), ...args]);
  const mosquittoConfig = (...args: string[]) => commsRun(['mosquitto-config', '--data', join(dir, 'data'), ...args]);

  it('comms broker --state: a folder or an empty value is E_USAGE naming --state', async () => {
    const folder = expectCliError(await broker('--port', '0', '--state', dir), 'E_USAGE');
    expect(folder.message).to.equal(`--state ${JSON.stringify(dir)} is a folder; it needs a file path or 'memory'.`);
    expect(folder.hint).to.contain(join(dir, 'broker.db'));
    expect(expectCliError(await broker('--port', '0', '--state='), 'E_USAGE').message).to.equal(`--state is empty; it needs a file path or 'memory'.`);
  });

  it('comms broker --port / --ws-port: not a TCP port is E_USAGE, not an internal error', async () => {
    for (const [flag, value] of [['--port', 'abc'], ['--port', '70000'], ['--port', '1.5'], ['--ws-port', '-3']] as const) {
      const { message } = expectCliError(await broker(flag, value, '--state', 'memory'), 'E_USAGE');
      expect(message).to.equal(`${flag} must be a TCP port from 0 to 65535, not ${JSON.stringify(value)}.`);
    }
  });

  it('comms up --port / --broker-state: the same checks', async () => {
    const up = (...args: string[]) => commsRun(['up', '--data', join(dir, 'data'), '--no-dashboard', '--insecure', ...args]);
    expect(expectCliError(await up('--port', 'abc'), 'E_USAGE').message).to.equal('--port must be a TCP port from 0 to 65535, not "abc".');
    expect(expectCliError(await up('--port', '0', '--broker-state', dir), 'E_USAGE').message).to.equal(`--broker-state ${JSON.stringify(dir)} is a folder; it needs a file path or 'memory'.`);
  });

  it('comms mosquitto-config: --out a file, an empty --out, a bad --port or --max-queued are E_USAGE and write nothing', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(expectCliError(await mosquittoConfig('--out', file), 'E_USAGE').message).to.equal(`--out ${JSON.stringify(file)} is a file, not a folder.`);
    expect(expectCliError(await mosquittoConfig('--out='), 'E_USAGE').message).to.equal('--out is empty; it needs a folder path.');
    const out = join(dir, 'mosq');
    expect(expectCliError(await mosquittoConfig('--out', out, '--port', '0'), 'E_USAGE').message).to.equal('--port must be a TCP port from 1 to 65535, not "0".');
    expect(expectCliError(await mosquittoConfig('--out', out, '--port', 'x'), 'E_USAGE').message).to.contain('--port');
    expect(expectCliError(await mosquittoConfig('--out', out, '--max-queued', '0'), 'E_USAGE').message).to.contain('--max-queued');
    expect(existsSync(out)).to.equal(false);
    expect(readdirSync(dir)).to.deep.equal(['a-file']);
  });
});
