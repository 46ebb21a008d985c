import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

describe('npm start (comms up --demo)', function () {
  // Spawns processes: a hang guard, not a speed budget (a loaded machine is slow to start them).
  this.timeout(600_000);

  it('runs the flagship on the embedded defaults with security on, prints it and leaves the records behind', async () => {
    const data = mkdtempSync(join(tmpdir(), 'comms-demo-'));
    try {
      const { stdout } = await run(process.execPath, [join(repo, 'bin', 'comms.js'), 'up', '--demo', '--data', data, '--max-pages', '3'], {
        cwd: repo,
        env: { ...process.env, COMMS_LOG_LEVEL: 'warn' },
      });
      expect(stdout).to.match(/arangodb -> client {2}pdf\.requirements@1: pdf\.document v1\.\d+\.\d+/);
      // With no --pdf it converts the generated sample article, written into the data folder.
      expect(stdout).to.contain(`client -> orchestrator  workflow.execute@1 template marker-to-arangodb, ${join(data, 'samples', 'sample.pdf')}`);
      // Each step of the workflow, with the conversation it ran as.
      for (const step of ['requirements', 'convert', 'validate', 'compatibility', 'ingest']) expect(stdout).to.match(new RegExp(`step ${step} +completed +\\w+ +conversation \\w+`));
      expect(stdout).to.match(/compatibility: compatible \((rule-based|model)\)/);
      expect(stdout).to.contain('document:   Structured Extraction of Sample Documents, 4 pages');
      expect(stdout).to.contain('validation: valid against');
      expect(stdout).to.match(/completed +100% +client -> orchestrator {2}workflow\.execute@1/);
      expect(stdout).to.match(/completed +100% +orchestrator -> marker {2}pdf\.convert@1/);
      expect(stdout).to.match(/completed +100% +orchestrator -> advisor {2}pdf\.compatibility\.check@1/);
      expect(stdout).to.match(/workflow marker-to-arangodb-\w+: comms workflow marker-to-arangodb-\w+ shows its steps/);
      expect(stdout).to.match(/\d+ messages recorded \(0 invalid\), 0 dead letters/);
      for (const file of ['comms.db', 'credentials.json', 'secrets.json']) expect(existsSync(join(data, file)), file).to.equal(true);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
