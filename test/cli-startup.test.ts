import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { commsBin, repo } from './support/cli-process.ts';

/**
 * `comms` loads what a command needs when the command runs (docs/performance.md, "CLI start-up"):
 * `--help` and the read commands must not pay for the broker, the actors, pdf.js or the Claude SDK.
 * A module loader hook in the child records every module it loads, so the test sees the real
 * import graph of the shipped CLI, not a list we keep by hand.
 */
function modulesLoadedBy(args: string[]): Promise<{ code: number; stdout: string; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'comms-startup-'));
  const log = join(dir, 'loaded.txt');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  writeFileSync(log, '');
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(join(dir, 'register.mjs')).href, commsBin, ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } }, (err, stdout) => {
      const modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? 1 : 0, stdout, modules });
    });
  });
}

/** Parts only a running system needs: folders of ours (compiled or source) and packages, as paths inside the repository. */
const HEAVY = [
  ...['actors', 'system', 'storage', 'broker', 'extraction', 'instances', 'dashboard'].flatMap((dir) => [`${dir}/`, `dist/${dir}/`]),
  ...['aedes', 'mqtt', 'pdfjs-dist', '@anthropic-ai/sdk', 'better-sqlite3', 'xstate'].map((pkg) => `node_modules/${pkg}/`),
];
const repoUrl = pathToFileURL(repo).href.replace(/\/?$/, '/');
const isHeavy = (url: string) => url.startsWith(repoUrl) && HEAVY.some((part) => url.slice(repoUrl.length).startsWith(part));

describe('comms start-up loads only what the command needs', function () {
  this.timeout(60_000);

  it('comms --help prints every command without loading the broker, actors, storage, pdf.js or the Claude SDK', async () => {
    const run = await modulesLoadedBy(['--help']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain('comms up').and.to.contain('comms status <id>');
    // The CLI itself was loaded through the hook: an empty list would make the next line pass for nothing.
    expect(run.modules.some((url) => url.includes('/cli/main.'))).to.equal(true);
    const heavy = run.modules.filter(isHeavy);
    expect(heavy, 'modules loaded by --help').to.deep.equal([]);
  });

  it('comms templates loads the workflow templates when it runs, and lists them', async () => {
    const run = await modulesLoadedBy(['templates']);
    expect(run.code).to.equal(0);
    expect(run.stdout).to.contain('marker-to-arangodb');
    expect(run.modules.some((url) => url.includes('/actors/orchestrator/'))).to.equal(true);
  });
});
