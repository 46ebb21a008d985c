import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Topics, type InstanceControlResult, type InstancesListing } from '../protocol/index.ts';
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

    expect((await control('resume', id)).instance).to.include({ id, state: 'closed', open: false });
    // The pool reopens the stored instance with its history: the model gets the earlier turns.
    api.enqueue({ kind: 'text', text: 'It also writes JSONL.' });
    const again = await cli(['ask', 'advisor', 'ask@1', '{"question":"And what else?"}']);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.stringify(api.messageRequests.at(-1)?.body?.messages)).to.contain('What does arangodb do?');
    expect((await list()).instances[0]).to.include({ id, state: 'idle', open: true, turns: 4 });

    expect((await control('terminate', id)).instance).to.include({ id, state: 'terminated' });
    await restart();
    expect((await list()).instances[0]).to.include({ id, state: 'terminated', turns: 4 });
  });

  it('says which instance is unknown, with E_NOT_FOUND', async () => {
    if (!up) await restart();
    const run = await cli(['instance', 'pause', 'no-such-instance']);
    const { message } = expectCliError(run, 'E_NOT_FOUND');
    expect(message).to.contain('no-such-instance').and.to.contain('comms instances');
  });
});

describe('the operator role and the instances module', () => {
  it('may ask instances.list@1 and instance.control@1 as itself, nothing else there', async () => {
    let creds = { version: 1 as const, users: [] as never[] } as Parameters<typeof addUser>[0];
    for (const [username, role] of [['operator', 'operator'], ['recorder', 'recorder']] as const) creds = (await addUser(creds, { username, role })).credentials;
    const policy = new RolePolicy(creds);
    const operator = { username: 'operator', role: 'operator' };
    const request = (from: string, schema: string) => Buffer.from(JSON.stringify({ from, schema }));
    const inbox = Topics.moduleInbox('instances');
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'instances.list@1'))).to.equal(undefined);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'instance.control@1'))).to.equal(undefined);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('operator', 'ask@1'))).to.match(/may only ask instances/);
    expect(policy.publishProblem(operator, inbox, 'operator-1', request('client', 'instances.list@1'))).to.match(/not operator/);
    expect(policy.publishProblem(operator, Topics.moduleInbox('advisor'), 'operator-1', request('operator', 'instance.control@1'))).to.match(/only publishes workflow control/);
  });
});
