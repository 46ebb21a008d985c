import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt from 'mqtt';
import { Actor } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { Topics } from '../protocol/index.ts';
import { echoQuery } from './support/bus-fixture.ts';
import { commsBin, repo } from './support/cli-process.ts';
import { freePort } from './support/mosquitto.ts';

/** `comms up` on a fixed port (a restart must come back on it); resolves once it says it is up. */
async function startUp(data: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [commsBin, 'up', '--data', data, '--port', String(port), '--ws-port', '0', '--no-dashboard', '--insecure'], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/^comms up: /m.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`comms up exited with ${code}: ${out}`)));
  });
  return child;
}

async function sigkill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Workflow state snapshots the test client hears (retained ones included), fanned out to waiters. */
const states = new Set<(payload: Buffer) => void>();

/** The first workflow state snapshot for which `pick` returns something. */
function workflowState<T>(pick: (id: string, state: string) => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const listener = (payload: Buffer) => {
      if (payload.length === 0) return;
      const { body } = JSON.parse(payload.toString()) as { body: { workflowId?: string; state?: string } };
      const found = body.workflowId && body.state ? pick(body.workflowId, body.state) : undefined;
      if (found === undefined) return;
      states.delete(listener);
      resolve(found);
    };
    states.add(listener);
  });
}

describe('comms up SIGKILLed and restarted', function () {
  // Two `comms up` starts on a loaded machine; the bound is not a budget.
  this.timeout(600_000);

  it('keeps broker.db and workflows.db: a persistent subscriber gets its queued QoS 1 message, a running workflow continues to completion', async () => {
    const data = mkdtempSync(join(tmpdir(), 'comms-up-restart-'));
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const logger = createLogger('test', 'silent');
    const children: ChildProcess[] = [];
    const actors: Actor[] = [];
    try {
      children.push(await startUp(data, port));
      // A persistent session that goes offline before the message is published: only broker.db can keep it.
      const topic = Topics.deadletter('durable-test');
      const sub = await mqtt.connectAsync(url, { clientId: 'durable-sub', clean: false });
      await sub.subscribeAsync(topic, { qos: 1 });
      await sub.endAsync();
      const pub = await mqtt.connectAsync(url, { clientId: 'durable-pub' });
      await pub.publishAsync(topic, 'queued while offline', { qos: 1 });
      await pub.endAsync();

      // A workflow whose step needs a module nobody runs yet: it stays running, waiting for that module's card.
      const client = new Actor({ name: 'client', clientId: 'client-durable', url, logger }).subscribe(Topics.filters.allWorkflowStates, (_topic, payload) => states.forEach((l) => l(payload)));
      actors.push(client);
      await client.start();
      const running = workflowState((id, state) => (state === 'running' ? id : undefined));
      const definition = { name: 'survives-restart', steps: [{ id: 'echo', module: 'late', query: 'echo@1', input: { text: 'after the restart' } }] };
      void client.ask('orchestrator', 'workflow.execute@1', { definition }, { timeoutMs: 600_000 }).catch(() => {});
      const workflowId = await running;

      await sigkill(children[0] as ChildProcess);
      children.push(await startUp(data, port));

      const db = new BetterSqlite3(join(data, 'workflows.db'), { readonly: true });
      const row = db.prepare('SELECT state FROM workflow_state WHERE id = ?').get(workflowId) as { state: string } | undefined;
      db.close();
      expect(row?.state).to.equal('running');

      // The listener is attached before the connection: the broker sends the queued message right after
      // CONNACK, possibly in the same read, before an awaited connectAsync would let us attach it.
      const again = mqtt.connect(url, { clientId: 'durable-sub', clean: false, reconnectPeriod: 0 });
      const queued = new Promise<string>((resolve) => again.on('message', (t, payload) => t === topic && resolve(payload.toString())));
      await new Promise<void>((resolve, reject) => {
        again.once('connect', () => resolve());
        again.once('error', reject);
      });
      expect(again.connected).to.equal(true);
      expect(await queued).to.equal('queued while offline');
      await again.endAsync();

      // The module the step waits for comes online: the restarted orchestrator finishes the workflow.
      const completed = workflowState((id, state) => (id === workflowId && (state === 'completed' || state === 'failed') ? state : undefined));
      const late = new Actor({ name: 'late', url, logger }).handle(echoQuery('late'));
      actors.push(late);
      await late.start();
      expect(await completed).to.equal('completed');
    } finally {
      for (const actor of actors) await actor.stop().catch(() => {});
      for (const child of children) await sigkill(child);
      rmSync(data, { recursive: true, force: true });
    }
  });
});
