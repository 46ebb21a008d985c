import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../broker/index.ts';
import { createLogger } from '../logging/index.ts';
import { startSystem } from '../system/index.ts';

const logger = createLogger('test', process.env.COMMS_LOG_LEVEL ?? 'silent');

/** A port nothing listens on right now: the one a broker just had. */
async function unusedPort(): Promise<number> {
  const probe = await startBroker({ port: 0 });
  const port = Number(new URL(probe.url).port);
  await probe.close();
  return port;
}

describe('system: the composition root', function () {
  this.timeout(30_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-system-'));
  });

  after(() => rm(dir, { recursive: true, force: true }));

  it('a system whose recorder cannot start rejects and closes the broker it had started', async () => {
    // A file where the data folder should be: the recorder cannot create comms.db under it.
    const notAFolder = join(dir, 'not-a-folder');
    await writeFile(notAFolder, '');
    const port = await unusedPort();
    const failed = await startSystem({ port, dataDir: notAFolder, logger }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).to.be.instanceOf(Error);
    // The port is free again: the failed start did not leave its broker listening.
    const broker = await startBroker({ port });
    await broker.close();
  });
});
