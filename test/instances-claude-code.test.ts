import { expect } from 'chai';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import {
  ClaudeCodeBackend,
  type ClaudeCodeBackendOptions,
  createBackgroundInstance,
  MemoryInstanceStore,
  type BackgroundInstanceOptions,
} from '../instances/index.ts';
import { requirementsCard } from './fixtures/instance-cards.ts';
import { rejectsWith } from './support/rejection.ts';

const fakeClaude = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'bin', 'claude');

describe('instances: claude-code backend with the stand-in claude executable', function () {
  // Spawns processes: a hang guard, not a speed budget (a loaded machine is slow to start them).
  this.timeout(300_000);
  let sessions: string;
  const opened: Array<{ close: () => Promise<void> }> = [];

  beforeEach(() => {
    sessions = mkdtempSync(join(tmpdir(), 'fake-claude-'));
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.close()));
    rmSync(sessions, { recursive: true, force: true });
  });

  const options = (store: MemoryInstanceStore, id: string): BackgroundInstanceOptions => ({
    id,
    store,
    backend: 'claude-code',
    backendOptions: { claudeCode: { executable: fakeClaude, env: { FAKE_CLAUDE_DIR: sessions } } },
  });

  it('keeps one long-lived process for the conversation', async () => {
    const backend = new ClaudeCodeBackend({ executable: fakeClaude, env: { FAKE_CLAUDE_DIR: sessions } });
    opened.push(backend);
    const instance = await createBackgroundInstance(requirementsCard, { backend });
    const texts: string[] = [];
    const first = await instance.send('hello', { onText: (t) => texts.push(t) });
    expect(first.text).to.equal('echo #1: hello');
    expect(texts).to.deep.equal(['echo #1: hello']);
    const pid = backend.pid;
    expect(pid).to.be.a('number');
    const second = await instance.send('again');
    expect(second.text).to.equal('echo #2: again');
    expect(backend.pid).to.equal(pid);
    expect(instance.sessionId).to.be.a('string').and.equal(backend.sessionId);
    await instance.close();
  });

  it('resumes the session by id after a restart', async () => {
    const store = new MemoryInstanceStore();
    const before = await createBackgroundInstance(requirementsCard, options(store, 'cc-1'));
    await before.send('first question');
    await before.send('second question');
    const sessionId = before.sessionId;
    await before.close();
    expect((await store.loadInstance('cc-1'))?.sessionId).to.equal(sessionId);

    const after = await createBackgroundInstance(requirementsCard, options(store, 'cc-1'));
    opened.push(after);
    const recalled = await after.send('recall');
    expect(recalled.text).to.equal('first question | second question');
    expect(after.sessionId).to.equal(sessionId);
    expect(after.history.map((t) => t.content)).to.deep.equal([
      'first question',
      'echo #1: first question',
      'second question',
      'echo #2: second question',
      'recall',
      'first question | second question',
    ]);
  });

  it('starts a new session with the stored transcript when the old one cannot be resumed', async () => {
    const store = new MemoryInstanceStore();
    const before = await createBackgroundInstance(requirementsCard, options(store, 'cc-2'));
    await before.send('remember me');
    const lost = before.sessionId as string;
    await before.close();
    unlinkSync(join(sessions, `${lost}.json`));

    const after = await createBackgroundInstance(requirementsCard, options(store, 'cc-2'));
    opened.push(after);
    const reply = await after.send('what now?');
    expect(reply.text).to.match(/^echo #1: \(The conversation so far, restored from storage:\)/);
    expect(reply.text).to.contain('User: remember me');
    expect(reply.text).to.contain('Assistant: echo #1: remember me');
    expect(reply.text).to.contain('what now?');
    expect(after.sessionId).to.be.a('string').and.not.equal(lost);
  });

  it('asks for JSON, parses it, and corrects an answer that is not JSON', async () => {
    const instance = await createBackgroundInstance(requirementsCard, options(new MemoryInstanceStore(), 'cc-3'));
    opened.push(instance);
    const schema = Type.Object({ turns: Type.Integer(), echo: Type.String() });
    const ok = await instance.send('count please', { schema });
    expect(ok.value).to.deep.equal({ turns: 1, echo: 'count please' });

    // `say:` makes the stand-in answer verbatim (not JSON); the correction turn gets a JSON answer.
    const corrected = await instance.send('say:not json at all', { schema });
    expect(corrected.attempts).to.equal(2);
    expect(corrected.value).to.deep.include({ turns: 3 });
    expect(instance.history.at(-2)?.content).to.contain('The answer contains no JSON value');

    await rejectsWith(instance.send('say:still not json', { schema, maxValidationRetries: 0 }), 'E_MODEL_INVALID_OUTPUT');
  });

  it('reports a crashed process, then resumes the session on the next request', async () => {
    const backend = new ClaudeCodeBackend({ executable: fakeClaude, env: { FAKE_CLAUDE_DIR: sessions } });
    opened.push(backend);
    const instance = await createBackgroundInstance(requirementsCard, { backend });
    await instance.send('before the crash');
    const err = await rejectsWith(instance.send('crash'), 'E_MODEL_UNAVAILABLE');
    expect(err.details).to.deep.include({ code: 3 });
    const reply = await instance.send('recall');
    // The crash message never reached the transcript; the session still knows the first turn.
    expect(reply.text).to.equal('before the crash');
  });

  it('kills a process that ignores SIGTERM after a turn timeout, so none lingers', async () => {
    // The stand-in ignores SIGTERM from its start. The first turn runs without a short budget, so
    // the process's start-up (slow on a loaded machine) is not timed; its answer proves the process
    // is up and already ignoring SIGTERM. Only then is the turn timeout cut to 1 s (the backend reads
    // it per turn from the options object it was given).
    const opts: ClaudeCodeBackendOptions = { executable: fakeClaude, env: { FAKE_CLAUDE_DIR: sessions, FAKE_CLAUDE_IGNORE_SIGTERM: '1' } };
    const backend = new ClaudeCodeBackend(opts);
    opened.push(backend);
    expect((await backend.send({ system: 's', messages: [{ role: 'user', content: 'say:up' }] })).text).to.equal('up');
    const pid = backend.pid as number;
    expect(pid).to.be.a('number');
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).to.equal(true);
    opts.turnTimeoutMs = 1_000;
    const err = await rejectsWith(backend.send({ system: 's', messages: [{ role: 'user', content: 'hang-ignoring-sigterm' }] }), 'E_MODEL_UNAVAILABLE');
    expect(err.details).to.deep.include({ reason: 'timeout' });
    expect(backend.pid, 'the backend no longer tracks the hung process').to.equal(undefined);
    // SIGTERM cannot end this process and the test sends no signal: if it dies, the backend's
    // SIGKILL ended it. Wait for that as long as mocha lets the test run (no budget of our own).
    while (alive()) await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('is unhealthy and unavailable when the executable is missing', async () => {
    const backend = new ClaudeCodeBackend({ executable: join(sessions, 'no-such-claude') });
    expect(await backend.health()).to.equal(false);
    await rejectsWith(backend.send({ system: 's', messages: [{ role: 'user', content: 'hi' }] }), 'E_MODEL_UNAVAILABLE');
    const healthy = new ClaudeCodeBackend({ env: { CLAUDE_BIN: fakeClaude } });
    expect(healthy.executable).to.equal(fakeClaude);
    expect(await healthy.health()).to.equal(true);
  });
});
