import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Actor } from '../actors/runtime/index.ts';
import { createLogger } from '../logging/index.ts';
import { isFinalWorkflowState, type WorkflowEvent, type WorkflowResult } from '../protocol/index.ts';
import { runTemplate, startSystem, waitUntilRecorded, type RunningSystem } from '../system/index.ts';
import { samplePath } from '../samples/index.ts';
import { WorkflowEventLog } from './support/workflow-events.ts';
import { commsRun, expectCliError } from './support/cli-process.ts';

const logger = createLogger('test', process.env.COMMS_LOG_LEVEL ?? 'silent');

describe('comms templates / workflows / workflow ID as child processes against a running system', function () {
  // Spawns processes: a hang guard, not a speed budget.
  this.timeout(300_000);
  let dir: string;
  let data: string;
  let sample: string;
  let system: RunningSystem;
  let client: Actor;
  const log = new WorkflowEventLog();
  const events = log.events;
  const eventSeen = (check: (e: WorkflowEvent) => boolean) => log.seen(check);
  const recorded = (id: string, check: (state: string) => boolean) => waitUntilRecorded(system.recorder, () => check(system.recorder.queries.getWorkflow(id).state), 30_000);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-cli-workflows-'));
    data = join(dir, 'data');
    sample = await samplePath('sample.pdf', join(dir, 'samples'));
    system = await startSystem({ dataDir: data, port: 0, wsPort: 0, brokerState: 'memory', arango: false, inputRoots: [dirname(sample)], logger });
    client = new Actor({ name: 'client', clientId: 'client-cli-workflows', url: system.broker.url, logger });
    client.subscribe('comms/v1/workflows/+/events', log.listener);
    await client.start();
  });

  after(async () => {
    await client?.stop();
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('comms templates lists every standard template with its steps', async () => {
    const run = await commsRun(['templates']);
    expect(run.code, run.stderr).to.equal(0);
    for (const name of ['marker-to-arangodb', 'structure', 'field-requirement', 'transformation', 'validation', 'compatibility-check', 'example']) expect(run.stdout).to.contain(name);
    expect(run.stdout).to.contain('requirements -> convert(after requirements) -> validate(after convert) -> compatibility(after validate) -> ingest(after compatibility)');
  });

  it('comms workflows and comms workflow ID show a recorded run: template, state, steps done/total, each step with its conversation', async () => {
    const run = await runTemplate({ url: system.broker.url, dataDir: data, template: 'validation', params: { path: sample }, logger });
    expect(run.workflow.state).to.equal('completed');
    await recorded(run.workflowId, isFinalWorkflowState);
    const list = await commsRun(['workflows', '--data', data]);
    expect(list.code, list.stderr).to.equal(0);
    expect(list.stdout).to.match(new RegExp(`${run.workflowId} +validation +completed +3/3 steps +started \\d{4}-`));
    const show = await commsRun(['workflow', run.workflowId, '--data', data]);
    expect(show.code, show.stderr).to.equal(0);
    for (const [step, module, query] of <const>[['requirements', 'arangodb', 'pdf.requirements.query@1'], ['convert', 'marker', 'pdf.convert@1'], ['validate', 'arangodb', 'pdf.validate@1']]) {
      const conversationId = run.workflow.steps[step]?.conversationId as string;
      expect(show.stdout).to.match(new RegExp(`${step} +completed +${module} +${query.replace(/\./g, '\\.')} +${conversationId}`));
    }
    const missing = await commsRun(['workflow', 'no-such-workflow', '--data', data]);
    expectCliError(missing, 'E_NOT_FOUND');
  });

  it('comms workflow ID --skip / --add-step / --resume change a paused workflow over the bus; bad changes are clear errors', async () => {
    const id = 'cli-paused-1';
    const result = client.ask<WorkflowResult>('orchestrator', 'workflow.execute@1', { template: 'validation', id, params: { path: sample }, paused: true }, { timeoutMs: 120_000 });
    await eventSeen((e) => e.workflowId === id && e.type === 'workflow' && e.state === 'paused');
    const bus = ['--url', system.broker.url, '--data', data];

    const dependent = await commsRun(['workflow', id, '--skip', 'convert', ...bus]);
    expect(expectCliError(dependent, 'E_WORKFLOW_INVALID').hint).to.contain('--cascade');
    const badJson = await commsRun(['workflow', id, '--add-step', '{nope', ...bus]);
    expectCliError(badJson, 'E_USAGE');
    const badStep = await commsRun(['workflow', id, '--add-step', '{"id":"x"}', ...bus]);
    expectCliError(badStep, 'E_WORKFLOW_INVALID');
    const two = await commsRun(['workflow', id, '--skip', 'validate', '--resume', ...bus]);
    expectCliError(two, 'E_USAGE');

    const skip = await commsRun(['workflow', id, '--skip', 'validate', ...bus]);
    expect(skip.code, skip.stderr).to.equal(0);
    expect(skip.stdout).to.match(/validate +skipped/);
    const add = await commsRun(['workflow', id, '--add-step', '{"id":"example","module":"arangodb","query":"pdf.example@1","dependsOn":["convert"]}', ...bus]);
    expect(add.code, add.stderr).to.equal(0);
    expect(add.stdout).to.match(/example +pending +- +pdf\.example@1/);
    const resume = await commsRun(['workflow', id, '--resume', ...bus]);
    expect(resume.code, resume.stderr).to.equal(0);
    expect((await result).state).to.equal('completed');

    await recorded(id, (state) => state === 'completed');
    const show = await commsRun(['workflow', id, '--data', data]);
    expect(show.stdout).to.match(/validate +skipped/);
    expect(show.stdout).to.match(/example +completed +arangodb +pdf\.example@1/);
    expect(show.stdout).to.match(/change at \S+: skip validate by client/);
    expect(show.stdout).to.match(/change at \S+: add-step example by client/);
    const list = await commsRun(['workflows', '--data', data]);
    expect(list.stdout).to.match(new RegExp(`${id} +validation +completed +4/4 steps`));
  });
});
