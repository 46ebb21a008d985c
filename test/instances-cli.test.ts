import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTANCE_TURN_TEXT_LIMIT, Topics, type InstanceControlResult, type InstanceHistoryResult, type InstancesListing } from '../protocol/index.ts';
import { addUser, RolePolicy } from '../security/index.ts';
import { MessagesApiServer } from './fixtures/messages-api-server.ts';
import { commsBin, commsRun, expectCliError, repo } from './support/cli-process.ts';

interface Up {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** A real `comms up` child process; resolves once it printed its broker URL and the hosted modules. */
function startUp(args: string[], env: Record<string, string>): Promise<Up> {
  const child = spawn(process.execPath, [commsBin, 'up', ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'warn', ...env } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /broker (mqtt:\/\/[^\s,]+)/.exec(stdout)?.[1];
      if (url && stdout.includes('instance-backed modules:')) resolve({ child, url, exited });
    });
    void exited.then((code) => reject(new Error(`comms up exited ${code}: ${stderr}`)));
  });
}

describe('comms instances / comms instance against a running comms up (issue 11 §2)', function () {
  this.timeout(900_000);
  let dir: string;
  let data: string;
  let config: string;
  let api: MessagesApiServer;
  let up: Up | undefined;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'comms-instances-'));
    data = join(dir, 'data');
    config = join(dir, 'comms.config.json');
    writeFileSync(
      config,
      JSON.stringify({ modules: [{ name: 'advisor', kind: 'advisor', backend: 'auto', model: 'claude-test', pool: { size: 1, idleTimeoutMs: 0 } }] }),
    );
    api = await MessagesApiServer.start();
    // `auto` picks anthropic because the key is set; the Messages API is the loopback server.
    env = { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: api.url };
  });
  after(async () => {
    if (up) {
      up.child.kill('SIGTERM');
      await up.exited;
    }
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const restart = async () => {
    if (up) {
      up.child.kill('SIGTERM');
      expect(await up.exited).to.equal(0);
    }
    up = await startUp(['--data', data, '--config', config, '--port', '0', '--ws-port', '0', '--no-dashboard'], env);
  };
  let password: string | undefined;
  const cli = async (args: string[]) => {
    // The generated password stays the same across restarts of the same data folder.
    password ??= (await commsRun(['creds', 'client', '--password-only', '--data', data])).stdout.trim();
    return commsRun([...args, '--url', up!.url, '--username', 'client', `--password=${password}`]);
  };
  const list = async (): Promise<InstancesListing> => {
    const run = await cli(['instances', '--json']);
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as InstancesListing;
  };
  const control = async (action: string, id: string): Promise<InstanceControlResult> => {
    const run = await cli(['instance', action, id, '--json']);
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as InstanceControlResult;
  };
  const history = async (id: string, ...args: string[]): Promise<InstanceHistoryResult> => {
    const run = await cli(['instance', 'history', id, '--json', ...args]);
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as InstanceHistoryResult;
  };

  it('lists the advisor instance an ask@1 opened, pauses it, keeps it paused across a restart, resumes and terminates it', async () => {
    await restart();
    expect((await list()).instances).to.deep.equal([]);

    api.enqueue({ kind: 'text', text: 'arangodb stores documents.' });
    const asked = await cli(['ask', 'advisor', 'ask@1', '{"question":"What does arangodb do?","module":"arangodb"}']);
    expect(asked.code, asked.stderr).to.equal(0);
    expect(JSON.parse(asked.stdout)).to.include({ answer: 'arangodb stores documents.', backend: 'anthropic', model: 'claude-test' });

    const [instance] = (await list()).instances;
    expect(instance).to.include({ module: 'advisor', backend: 'anthropic', state: 'idle', open: true, turns: 2 });
    expect(instance?.lastUsed).to.be.a('string');
    const id = instance!.id;

    const text = await cli(['instances']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^ID\s+MODULE\s+BACKEND\s+STATE\s+TURNS\s+LAST USE/);
    expect(text.stdout).to.contain(id).and.to.match(/advisor\s+anthropic\s+idle\s+2/);

    expect((await control('pause', id)).instance.state).to.equal('paused');

    await restart();
    const afterRestart = (await list()).instances;
    expect(afterRestart).to.have.length(1);
    expect(afterRestart[0]).to.include({ id, state: 'paused', open: false, turns: 2 });

    // The turns made before the restart, read back from instances.db by the new process.
    const before = await history(id);
    expect(before.instance).to.include({ id, module: 'advisor', backend: 'anthropic', state: 'paused' });
    expect(before.turns.map((t) => [t.seq, t.role, t.truncated])).to.deep.equal([[1, 'user', false], [2, 'assistant', false]]);
    expect(before.turns[0]?.text).to.contain('What does arangodb do?');
    expect(before.turns[1]).to.include({ text: 'arangodb stores documents.', chars: 'arangodb stores documents.'.length });
    expect(before.earlier).to.equal(null);
    const lines = await cli(['instance', 'history', id]);
    expect(lines.code, lines.stderr).to.equal(0);
    const [header, ...turnLines] = lines.stdout.trimEnd().split('\n');
    expect(header).to.contain(`instance ${id}`).and.to.contain('module advisor').and.to.contain('state paused').and.to.contain('turns 1-2 of 2');
    expect(turnLines).to.have.length(2);
    expect(turnLines[0]).to.match(/^#1 {2}\S+ {2}user {7}/);
    expect(turnLines[1]).to.match(/^#2 {2}\S+ {2}assistant {2}arangodb stores documents\.$/);

    expect((await control('resume', id)).instance).to.include({ id, state: 'closed', open: false });
    // The pool reopens the stored instance with its history: the model gets the earlier turns.
    // Longer than a turn's text on the wire: the history cuts it and says so.
    const long = `It also writes JSONL.${' More detail.'.repeat(200)}`;
    api.enqueue({ kind: 'text', text: long });
    const again = await cli(['ask', 'advisor', 'ask@1', '{"question":"And what else?"}']);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.stringify(api.messageRequests.at(-1)?.body?.messages)).to.contain('What does arangodb do?');
    expect((await list()).instances[0]).to.include({ id, state: 'idle', open: true, turns: 4 });

    expect((await control('terminate', id)).instance).to.include({ id, state: 'terminated' });
    await restart();
    expect((await list()).instances[0]).to.include({ id, state: 'terminated', turns: 4 });

    // A terminated instance keeps its history; --limit pages from the newest, `earlier` pages back.
    const last = await history(id, '--limit', '1');
    expect(last.instance).to.include({ state: 'terminated', turns: 4 });
    expect(last.turns).to.have.length(1);
    expect(last.turns[0]).to.include({ seq: 4, role: 'assistant', truncated: true, chars: long.length });
    expect(last.turns[0]?.text).to.equal(long.slice(0, INSTANCE_TURN_TEXT_LIMIT));
    expect(last.earlier).to.equal(4);
    const previous = await history(id, '--limit', '2', '--before', String(last.earlier));
    expect(previous.turns.map((t) => t.seq)).to.deep.equal([2, 3]);
    expect(previous.turns[1]?.text).to.contain('And what else?');
    expect(previous.earlier).to.equal(2);
    const lastLine = await cli(['instance', 'history', id, '--limit', '1']);
    expect(lastLine.code, lastLine.stderr).to.equal(0);
    expect(lastLine.stdout).to.contain(`#4  `).and.to.contain(`… [${long.length} chars; --json has the first ${INSTANCE_TURN_TEXT_LIMIT}]`);
    expect(lastLine.stdout).to.contain(`earlier turns: comms instance history ${id} --before 4`);
  });

  it('says which instance is unknown, with E_NOT_FOUND', async () => {
    if (!up) await restart();
    const run = await cli(['instance', 'pause', 'no-such-instance']);
    const { message, hint } = expectCliError(run, 'E_NOT_FOUND');
    expect(message).to.contain('no-such-instance').and.to.contain('comms instances');
    expect(hint).to.contain('comms instances');
  });

  it('answers the history of an unknown instance with E_NOT_FOUND and a hint to list them', async () => {
    if (!up) await restart();
    const run = await cli(['instance', 'history', 'no-such-instance']);
    const { message, hint } = expectCliError(run, 'E_NOT_FOUND');
    expect(message).to.contain('no-such-instance').and.to.contain('comms instances');
    expect(hint).to.contain('comms instances');
  });
});

describe('comms instance history: bad paging flags are named before anything is sent', () => {
  it('refuses --limit out of range, a fractional --before, and paging flags on pause', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['instance', 'history', 'x', '--limit', '0'], /^--limit 0: give a whole number of turns from 1 to 500/],
      [['instance', 'history', 'x', '--before', '1.5'], /^--before 1\.5: give the seq of a turn/],
      [['instance', 'pause', 'x', '--limit', '3'], /`comms instance pause` takes neither/],
    ];
    for (const [args, pattern] of cases) {
      const { message } = expectCliError(await commsRun(args), 'E_USAGE');
      expect(message).to.match(pattern);
    }
  });
});

describe('the operator role and the instances module', () => {
  it('may ask instances.list@1, instance.control@1 and instance.history@1 as itself, nothing else there', async () => {
    let creds = { version: 1 as const, users: [] as never[] } as Parameters<typeof addUser>[0];
    for (const [username, role] of [['operator', 'operator'], ['recorder', 'recorder']] as const) creds = (await addUser(creds, { username, role })).credentials;
    const policy = new RolePolicy(creds);
    const operator = { username: 'operator', role: 'operator' };
    const request = (from: string, schema: string) => Buffer.from(JSON.stringify({ from, schema }));
    const inbox = Topics.moduleInbox('instances');
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'instances.list@1'))).to.equal(undefined);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'instance.control@1'))).to.equal(undefined);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'instance.history@1'))).to.equal(undefined);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'ask@1'))).to.match(/may only ask instances/);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('client', 'instances.list@1'))).to.match(/not operator/);
    expect(policy.publishProblem(operator, Topics.moduleInbox('advisor'), 'operator-1', request('operator', 'instance.control@1'))).to.match(/only publishes workflow control/);
  });
});
