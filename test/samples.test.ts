import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeSamplePdf, SAMPLE_FILES } from '../samples/index.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

describe('samples/make-sample-pdf.ts (the checked-in generator)', function () {
  // Spawns processes: a hang guard, not a speed budget (a loaded machine is slow to start them).
  this.timeout(600_000);

  it('writes the sample and its variants from the command line, byte for byte as makeSamplePdf', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'comms-samples-'));
    try {
      const out = join(dir, 'sample.pdf');
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'samples/make-sample-pdf.ts', out], { cwd: repo });
      expect(stdout).to.match(/^wrote .*sample\.pdf \(\d+ bytes, variant sample\)/);
      expect(readFileSync(out).equals(await makeSamplePdf())).to.equal(true);
      const scan = join(dir, 'scan.pdf');
      await run(process.execPath, ['--import', 'tsx', 'samples/make-sample-pdf.ts', scan, '--variant', 'scan'], { cwd: repo });
      expect(readFileSync(scan).equals(await SAMPLE_FILES['scan.pdf']())).to.equal(true);
      const bad = await run(process.execPath, ['--import', 'tsx', 'samples/make-sample-pdf.ts', join(dir, 'x.pdf'), '--variant', 'nope'], { cwd: repo }).catch((e: { code: number; stderr: string }) => e);
      expect(bad).to.include({ code: 2 });
      expect((bad as { stderr: string }).stderr).to.contain('unknown variant nope');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
