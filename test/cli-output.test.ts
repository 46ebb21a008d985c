import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createRecorder } from '../actors/recorder/index.ts';
import { busFixture, echoQuery, until } from './support/bus-fixture.ts';
import { commsBin, commsRun, repo } from './support/cli-process.ts';

/** Lines a child prints on stdout, and a way to wait for one matching a pattern. */
function linesOf(child: ChildProcess): { lines: string[]; next(pattern: RegExp): Promise<string> } {
  const lines: string[] = [];
  let partial = '';
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) if (w.pattern.test(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  return {
    lines,
    next: (pattern) => {
      const seen = lines.find((l) => pattern.test(l));
      return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}

function startWatch(url: string, ...flags: string[]): Promise<{ child: ChildProcess; out: ReturnType<typeof linesOf> }> {
  const child = spawn(process.execPath, [commsBin, 'watch', '--url', url, ...flags], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } });
  const out = linesOf(child);
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('watching ')) resolve({ child, out });
    });
    child.once('exit', (code) => reject(new Error(`comms watch exited ${code}`)));
  });
}

describe('comms CLI output (issue 12)', function () {
  this.timeout(90_000);
  let bus: Awaited<ReturnType<typeof busFixture>>;
  const watchers: ChildProcess[] = [];

  before(async () => {
    bus = await busFixture();
    await bus.actor({ name: 'responder' }).handle(echoQuery('responder')).start();
  });

  after(async () => {
    for (const w of watchers) w.kill('SIGTERM');
    await bus.close();
  });

  it('`comms watch` prints one readable line per event, filters by module and state, and --json gives the raw envelope', async () => {
    const readable = await startWatch(bus.broker.url, '--module', 'responder');
    const completedOnly = await startWatch(bus.broker.url, '--state', 'completed', '--json');
    const otherModule = await startWatch(bus.broker.url, '--module', 'nobody');
    watchers.push(readable.child, completedOnly.child, otherModule.child);

    const requester = await bus.actor({ name: 'requester' }).start();
    const conversation = requester.request('responder', 'echo@1', { text: 'watch me', steps: 2 });
    await conversation.result;

    const progress = await readable.out.next(/ 50%/);
    expect(progress).to.match(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ${conversation.id}  requester -> responder  working\\s+ 50%  step 1$`));
    await readable.out.next(/completed/);
    expect(readable.out.lines.every((l) => !l.startsWith('comms/v1/') && !l.startsWith('{')), readable.out.lines.join('\n')).to.equal(true);

    const raw = JSON.parse(await completedOnly.out.next(/completed/)) as { topic: string; message: { conversationId: string; body: { state: string } } };
    expect(raw.topic).to.equal(`comms/v1/conversations/${conversation.id}/events`);
    expect(raw.message.conversationId).to.equal(conversation.id);
    expect(completedOnly.out.lines.map((l) => (JSON.parse(l) as typeof raw).message.body.state)).to.deep.equal(['completed']);
    // A fence: a conversation with `nobody` that this watcher must show. Once its line is there, the
    // earlier events had reached this watcher too, so seeing only the fence's lines is the filter at work.
    await bus.actor({ name: 'nobody' }).handle(echoQuery('nobody')).start();
    const fence = requester.request('nobody', 'echo@1', { text: 'fence' });
    await fence.result;
    await otherModule.out.next(/completed/);
    expect(otherModule.out.lines.length).to.be.greaterThan(0);
    expect(otherModule.out.lines.every((l) => l.includes(fence.id)), otherModule.out.lines.join('\n')).to.equal(true);
  });

  it('`comms watch` shows a quiet conversation, which publishes no event, once: its reply as the completed line', async () => {
    const watch = await startWatch(bus.broker.url, '--module', 'responder');
    watchers.push(watch.child);
    const requester = await bus.actor({ name: 'quiet-asker' }).start();
    const quiet = requester.request('responder', 'echo@1', { text: 'quiet' }, { eventsAfterMs: 600_000 });
    await quiet.result;
    const line = await watch.out.next(new RegExp(quiet.id));
    expect(line).to.match(new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ${quiet.id}  quiet-asker -> responder  completed`));
    // A fence: a public conversation, after the quiet one. Its events tell its end, so its reply prints nothing.
    const fence = requester.request('responder', 'echo@1', { text: 'fence' }, { eventsAfterMs: 0 });
    await fence.result;
    await watch.out.next(new RegExp(`${fence.id}.*completed`));
    expect(watch.out.lines.filter((l) => l.includes(quiet.id)), watch.out.lines.join('\n')).to.have.length(1);
    expect(watch.out.lines.filter((l) => l.includes(fence.id) && l.includes('completed')), watch.out.lines.join('\n')).to.have.length(1);
  });

  it('finished conversations show no stale stage; stats has a text form and --json; logs stay off stdout', async () => {
    const db = join(bus.dir, 'comms.db');
    const recorder = createRecorder({ url: bus.broker.url, dbPath: db });
    await recorder.start();
    const requester = await bus.actor({ name: 'asker' }).start();
    const conversation = requester.request('responder', 'echo@1', { text: 'no steps' });
    await conversation.result;
    await until(
      (check) => {
        recorder.events.on('recorded', check);
        return () => recorder.events.off('recorded', check);
      },
      () => (recorder.queries.listConversations().find((c) => c.id === conversation.id)?.state === 'completed' ? true : undefined),
    );
    const recordedStage = recorder.queries.getTaskStatus(conversation.id).stage;
    await recorder.stop();

    const line = (await commsRun(['conversations', '--db', db])).stdout.split('\n').find((l) => l.startsWith(conversation.id)) as string;
    expect(line).to.contain('completed').and.to.contain('100%').and.to.contain('asker -> responder');
    // The recorder keeps the last progress stage (`accepted` here); a finished conversation does not show it.
    if (recordedStage) expect(line).to.not.contain(`[${recordedStage}]`);

    const text = await commsRun(['stats', '--db', db]);
    expect(text.stdout).to.match(/^messages\s+\d+/m).and.to.match(/^conversations\s+\d+/m);
    const json = JSON.parse((await commsRun(['stats', '--db', db, '--json'])).stdout) as { conversations: { byState: Record<string, number> } };
    expect(json.conversations.byState.completed).to.be.greaterThan(0);

    const asked = await commsRun(['ask', 'responder', 'echo@1', '{"text":"quiet"}', '--url', bus.broker.url, '--log-level', 'debug']);
    expect(asked.code, asked.stderr).to.equal(0);
    expect(JSON.parse(asked.stdout)).to.deep.equal({ text: 'quiet', handledBy: 'responder' });
    // --log-level reached the command's logger (info lines at debug level), and on stderr only.
    expect(asked.stderr).to.contain('actor online');
  });
});
