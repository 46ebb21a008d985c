import { expect } from 'chai';
import { samplePath } from '../samples/index.ts';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { busFixture } from './support/bus-fixture.ts';
import { recordedConversation } from './support/recorded-conversation.ts';
import { commsRun, expectCliError } from './support/cli-process.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));

/** Runs the real CLI in its own process; resolves with stdout, rejects with the exit code and stderr. */
function comms(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return commsWithEnv({}, ...args);
}

function commsWithEnv(env: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(repo, 'bin', 'comms.js'), ...args], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent', ...env } });
}

describe('comms CLI', function () {
  // Spawns processes: a hang guard, not a speed budget (a loaded machine is slow to start them).
  this.timeout(600_000);
  let bus: Awaited<ReturnType<typeof busFixture>>;
  let db: string;
  let conversationId: string;

  before(async () => {
    ({ bus, db, conversationId } = await recordedConversation());
  });

  after(() => bus.close());

  it('lists conversations and shows one status from the recorded database', async () => {
    const list = JSON.parse((await comms('conversations', '--db', db, '--json')).stdout) as Array<{ id: string; state: string }>;
    expect(list.map((c) => c.id)).to.include(conversationId);
    const { stdout } = await comms('status', conversationId, '--db', db);
    expect(stdout).to.contain('completed').and.to.contain('requester -> responder').and.to.contain('echo@1');
  });

  it('prints events after a seq, and exports the conversation with its raw messages', async () => {
    const events = JSON.parse((await comms('events', conversationId, '--db', db, '--after', '2', '--json')).stdout) as Array<{ seq: number }>;
    expect(events[0]?.seq).to.equal(3);
    const exported = JSON.parse((await comms('export', conversationId, '--db', db)).stdout) as { messages: Array<{ topic: string }>; conversation: { state: string } };
    expect(exported.conversation.state).to.equal('completed');
    expect(exported.messages.map((m) => m.topic)).to.include('comms/v1/modules/responder/inbox');
  });

  it('reports stats', async () => {
    const stats = JSON.parse((await comms('stats', '--db', db, '--json')).stdout) as { conversations: { byState: Record<string, number> }; messages: { total: number } };
    expect(stats.conversations.byState.completed).to.be.greaterThan(0);
    expect(stats.messages.total).to.be.greaterThan(5);
  });

  it('asks a module over the broker and prints the reply', async () => {
    const { stdout } = await comms('ask', 'responder', 'echo@1', '{"text":"from the cli"}', '--url', bus.broker.url);
    expect(JSON.parse(stdout)).to.deep.equal({ text: 'from the cli', handledBy: 'responder' });
  });

  it('fails with one error line, one hint line and exit code 1 on bad input, never a stack', async () => {
    const badJson = expectCliError(await commsRun(['ask', 'responder', 'echo@1', '{oops', '--url', bus.broker.url]), 'E_JSON_INVALID');
    expect(badJson.hint).to.contain('quote');
    expectCliError(await commsRun(['status', 'nope', '--db', db]), 'E_NOT_FOUND');
    const noDb = expectCliError(await commsRun(['stats', '--db', join(bus.dir, 'absent.db')]), 'E_STORAGE');
    expect(noDb.message).to.contain(join(bus.dir, 'absent.db'));
  });

  it('runs the flagship without --url on a system it starts (recorder included), so `comms status` finds the conversation', async () => {
    const data = join(bus.dir, 'run-data');
    const pdf = await samplePath('sample.pdf');
    const run = JSON.parse((await commsWithEnv({ COMMS_DATA: data }, 'run', 'marker-to-arangodb', '--pdf', pdf)).stdout) as { conversationId: string; workflowId: string; validation: { valid: boolean } };
    expect(run.validation.valid).to.equal(true);
    const { stdout } = await commsWithEnv({ COMMS_DATA: data }, 'status', run.conversationId);
    expect(stdout).to.contain(run.conversationId).and.to.contain('completed').and.to.contain('client -> orchestrator').and.to.contain('workflow.execute@1');
    const workflow = (await commsWithEnv({ COMMS_DATA: data }, 'workflow', run.workflowId)).stdout;
    expect(workflow).to.match(/convert +completed +marker +pdf\.convert@1/).and.to.match(/ingest +completed +arangodb +document\.ingest@1/);
  });

  it('serves MQTTS from `comms broker --tls-key --tls-cert`, and refuses half a TLS configuration', async () => {
    const key = join(bus.dir, 'key.pem');
    const cert = join(bus.dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    expectCliError(await commsRun(['broker', '--port', '0', '--tls-key', key]), 'E_CONFIG_INVALID');

    const broker = spawn(process.execPath, [join(repo, 'bin', 'comms.js'), 'broker', '--state', 'memory', '--port', '0', '--tls-port', '0', '--tls-key', key, '--tls-cert', cert], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        broker.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString()));
        broker.once('exit', (code) => reject(new Error(`broker exited ${code}`)));
      });
      const tlsUrl = /mqtts:\/\/[^\s,]+/.exec(line)?.[0];
      expect(tlsUrl, line).to.be.a('string');
      const client = await mqtt.connectAsync(tlsUrl as string, { ca: readFileSync(cert), rejectUnauthorized: true, protocolVersion: 4, reconnectPeriod: 0 });
      expect(client.connected).to.equal(true);
      await client.endAsync();
    } finally {
      broker.kill('SIGTERM');
    }
  });
});
