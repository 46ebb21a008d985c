import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Actor } from '../actors/runtime/index.ts';
import { commsBin, commsRun, expectCliError, lineOn, repo } from './support/cli-process.ts';

describe('comms user and comms creds (issue 12)', function () {
  this.timeout(120_000);
  let dir: string;
  let data: string;
  let up: ChildProcess;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'comms-user-'));
    data = join(dir, 'data');
    // info level: the test waits for the "credentials reloaded" log line on stderr.
    up = spawn(process.execPath, [commsBin, 'up', '--data', data, '--port', '0', '--ws-port', '0', '--no-dashboard'], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'info' } });
    url = (await lineOn(up, 'stdout', /broker (mqtt:\/\/[^\s,]+)/))[1] as string;
  });

  after(async () => {
    if (up.exitCode === null) {
      up.kill('SIGTERM');
      await new Promise((resolve) => up.once('exit', resolve));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a user that a running `comms up` accepts at once, lists it, changes its password and removes it', async () => {
    const reloaded = lineOn(up, 'stderr', /credentials reloaded/);
    const added = await commsRun(['user', 'add', 'tutmod', '--data', data]);
    expect(added.code, added.stderr).to.equal(0);
    expect(added.stdout).to.contain(join(data, 'secrets.json'));
    await reloaded;
    const password = (await commsRun(['creds', 'tutmod', '--password-only', '--data', data])).stdout.trim();
    const actor = new Actor({ name: 'tutmod', url, username: 'tutmod', password });
    await actor.start();
    await actor.stop();

    const list = JSON.parse((await commsRun(['user', 'list', '--json', '--data', data])).stdout) as Array<{ username: string; role: string; passwordKnown: boolean }>;
    expect(list.find((u) => u.username === 'tutmod')).to.deep.include({ role: 'actor', passwordKnown: true });
    expect(list.map((u) => u.username)).to.include.members(['marker', 'observer', 'recorder']);

    const changed = lineOn(up, 'stderr', /credentials reloaded/);
    expect((await commsRun(['user', 'passwd', 'tutmod', '--password', 'new-secret-1', '--data', data])).code).to.equal(0);
    await changed;
    // The running broker took the change: the new password logs in, the old one no longer does.
    const renewed = new Actor({ name: 'tutmod', url, username: 'tutmod', password: 'new-secret-1' });
    await renewed.start();
    await renewed.stop();
    const old = expectCliError(await commsRun(['ask', 'marker', 'pdf.requirements.query@1', '{}', '--url', url, '--username', 'tutmod', `--password=${password}`]), 'E_AUTH_FAILED');
    expect(old.hint).to.contain('comms user');
    const stale = expectCliError(await commsRun(['ask', 'marker', 'pdf.requirements.query@1', '{}', '--url', url, '--username', 'client', '--password', 'wrong']), 'E_AUTH_FAILED');
    expect(stale.hint).to.contain('secrets.json').and.to.contain('comms user');

    const removed = lineOn(up, 'stderr', /credentials reloaded/);
    expect((await commsRun(['user', 'remove', 'tutmod', '--data', data])).code).to.equal(0);
    await removed;
    expectCliError(await commsRun(['ask', 'marker', 'pdf.requirements.query@1', '{}', '--url', url, '--username', 'tutmod', '--password=new-secret-1']), 'E_AUTH_FAILED');
    const after = JSON.parse((await commsRun(['user', 'list', '--json', '--data', data])).stdout) as Array<{ username: string }>;
    expect(after.map((u) => u.username)).to.not.include('tutmod');
    expectCliError(await commsRun(['user', 'remove', 'tutmod', '--data', data]), 'E_NOT_FOUND');
    const badRole = expectCliError(await commsRun(['user', 'add', 'x', '--role', 'root', '--data', data]), 'E_USAGE');
    expect(badRole.message).to.contain('--role').and.to.contain('observer');
    expectCliError(await commsRun(['user', 'passwd', 'nosuch', '--password', 'x-secret-1', '--data', data]), 'E_NOT_FOUND');
    expectCliError(await commsRun(['creds', 'nosuch', '--data', data]), 'E_NOT_FOUND');
    expectCliError(await commsRun(['user', 'add', 'marker', '--data', data]), 'E_CONFIG_INVALID');
  });

  it('`comms creds observer --mosquitto` prints flags the broker accepts for watching the whole bus', async () => {
    const line = (await commsRun(['creds', 'observer', '--mosquitto', '--data', data, '--url', url])).stdout.trim();
    expect(line).to.match(/^mosquitto_sub /).and.to.contain('-V mqttv311').and.to.contain("-t 'comms/v1/#'");
    const flag = (name: string) => new RegExp(`${name} '?([^' ]+)'?`).exec(line)?.[1] as string;
    expect(flag('-u')).to.equal('observer');
    expect(flag('-i')).to.match(/^observer-/);
    // Exactly what mosquitto_sub would send: MQTT 3.1.1, that client id, user and password.
    const client = await mqtt.connectAsync(`mqtt://${flag('-h')}:${flag('-p')}`, { protocolVersion: 4, clientId: flag('-i'), username: flag('-u'), password: flag('-P'), reconnectPeriod: 0 });
    try {
      const retained = new Promise<string>((resolve) => client.once('message', (topic) => resolve(topic)));
      const granted = await client.subscribeAsync('comms/v1/#');
      expect(granted[0]?.qos).to.not.equal(128);
      expect(await retained).to.match(/^comms\/v1\//);
    } finally {
      await client.endAsync();
    }
  });
});
