import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createOrchestrator } from '../actors/orchestrator/index.ts';
import type { busFixture } from './support/bus-fixture.ts';
import { recordedConversation } from './support/recorded-conversation.ts';
import { commsBin, commsRun, expectCliError, repo } from './support/cli-process.ts';

/** What a user sees when a command fails: one error line, one hint line, exit 1, no stack (issue 12). */
describe('comms CLI errors', function () {
  // Spawns processes: a hang guard, not a speed budget (a loaded machine is slow to start them).
  this.timeout(600_000);
  let bus: Awaited<ReturnType<typeof busFixture>>;
  let db: string;
  let conversationId: string;

  before(async () => {
    ({ bus, db, conversationId } = await recordedConversation());
  });

  after(() => bus.close());

  it('status and export of an unknown id: E_NOT_FOUND with a hint, no stack; --debug adds the stack', async () => {
    const status = expectCliError(await commsRun(['status', 'nope', '--db', db]), 'E_NOT_FOUND');
    expect(status.message).to.contain('nope');
    expect(status.hint).to.contain('comms conversations');
    expectCliError(await commsRun(['export', 'nope', '--db', db]), 'E_NOT_FOUND');
    expectCliError(await commsRun(['events', 'nope', '--db', db]), 'E_NOT_FOUND');
    const debug = await commsRun(['status', 'nope', '--db', db, '--debug']);
    expect(debug.code).to.equal(1);
    expect(debug.stderr).to.match(/^error E_NOT_FOUND: /).and.to.contain('    at ');
  });

  it('a read command with no database names the path it used and how it chose it', async () => {
    const elsewhere = join(bus.dir, 'elsewhere');
    mkdirSync(elsewhere);
    // Outside any checkout, without COMMS_DATA: ./data of the current folder.
    const { message, hint } = expectCliError(await commsRun(['stats'], { cwd: elsewhere }), 'E_STORAGE');
    expect(message).to.contain(join(elsewhere, 'data', 'comms.db')).and.to.contain('current folder');
    expect(hint).to.contain('comms up').and.to.contain('--data');
    const flagged = expectCliError(await commsRun(['conversations', '--data', join(bus.dir, 'none')]), 'E_STORAGE');
    expect(flagged.message).to.contain(join(bus.dir, 'none', 'comms.db')).and.to.contain('--data');
  });

  it('resolves data/ from the nearest claude-comms project folder, so a subfolder reads the same database', async () => {
    const project = join(bus.dir, 'project');
    mkdirSync(join(project, 'data'), { recursive: true });
    mkdirSync(join(project, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'claude-comms' }));
    copyFileSync(db, join(project, 'data', 'comms.db'));
    const run = await commsRun(['status', conversationId], { cwd: join(project, 'sub', 'deeper') });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(conversationId).and.to.contain('completed');
  });

  it('bad flag values name the flag and the allowed values', async () => {
    const state = expectCliError(await commsRun(['conversations', '--db', db, '--state', 'bogus']), 'E_USAGE');
    expect(state.message).to.contain('--state').and.to.contain('bogus').and.to.contain('completed').and.to.contain('timed-out');
    const workflow = expectCliError(await commsRun(['run', 'marker-to-neo4j', '--pdf', 'x.pdf']), 'E_USAGE');
    expect(workflow.message).to.contain('marker-to-neo4j').and.to.contain('marker-to-arangodb');
    const pages = expectCliError(await commsRun(['run', 'marker-to-arangodb', '--pdf', 'x.pdf', '--max-pages', 'abc']), 'E_USAGE');
    expect(pages.message).to.contain('--max-pages').and.to.contain('"abc"');
    expectCliError(await commsRun(['nosuchcommand']), 'E_USAGE');
  });

  it('asking a module nobody runs fails at once with E_NO_SUCH_MODULE listing the online modules', async () => {
    const { message } = expectCliError(await commsRun(['ask', 'nosuchmod', 'echo@1', '{"text":"x"}', '--url', bus.broker.url]), 'E_NO_SUCH_MODULE');
    expect(message).to.contain('nosuchmod').and.to.contain('responder');
  });

  it('`comms ask` exits 1 when the workflow it started failed, after printing its result', async () => {
    const orchestrator = createOrchestrator({ url: bus.broker.url });
    await orchestrator.start();
    try {
      // The step's input breaks echo@1's schema, so the step and with it the workflow fail.
      const definition = { name: 'doomed', steps: [{ id: 'a', module: 'responder', query: 'echo@1', input: { nope: 1 } }] };
      const run = await commsRun(['ask', 'orchestrator', 'workflow.execute@1', JSON.stringify({ definition }), '--url', bus.broker.url]);
      const { message } = expectCliError(run, 'E_[A-Z_]+', { afterProgress: true });
      expect(message).to.match(/^workflow \S+ ended failed/);
      expect((JSON.parse(run.stdout) as { state: string }).state).to.equal('failed');
    } finally {
      await orchestrator.stop();
    }
  });

  it('a busy port is E_ADDRESS_IN_USE naming the port and the flag to change it', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const { message, hint } = expectCliError(await commsRun(['broker', '--port', String(port)]), 'E_ADDRESS_IN_USE');
      expect(message).to.contain(String(port));
      expect(hint).to.contain('--port');
    } finally {
      busy.close();
    }
  });

  it('`comms events ... | head` (stdout closed early) ends quietly with 0, not an EPIPE crash', async () => {
    const child = spawn(process.execPath, [commsBin, 'events', conversationId, '--db', db], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } });
    // The reader goes away before the command writes anything, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});
