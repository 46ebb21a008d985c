import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Actor } from '../actors/runtime/index.ts';
import { instantiateTemplate, WORKFLOW_TEMPLATES } from '../actors/orchestrator/index.ts';
import { createLogger } from '../logging/index.ts';
import { CommsError, isFinalWorkflowState, type WorkflowEvent, type WorkflowResult, type WorkflowStateSnapshot } from '../protocol/index.ts';
import { runTemplate, startSystem, waitUntilRecorded, type RunningSystem } from '../system/index.ts';
import { samplePath } from '../samples/index.ts';
import { WorkflowEventLog } from './support/workflow-events.ts';
import { validatePdfFormat, buildPdfRequirements } from '../protocol/pdf/index.ts';

const logger = createLogger('test', process.env.COMMS_LOG_LEVEL ?? 'silent');

async function rejection(promise: Promise<unknown>): Promise<CommsError> {
  try {
    await promise;
  } catch (err) {
    return err as CommsError;
  }
  throw new Error('expected a rejection');
}

describe('workflow templates (docs/workflows.md, Templates)', function () {
  this.timeout(120_000);
  let dir: string;
  let sample: string;
  let system: RunningSystem;
  let client: Actor;
  let intruder: Actor;
  const log = new WorkflowEventLog();
  const events = log.events;
  const eventSeen = (check: (e: WorkflowEvent) => boolean) => log.seen(check);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'comms-templates-'));
    sample = await samplePath('sample.pdf', join(dir, 'samples'));
    system = await startSystem({ dataDir: join(dir, 'data'), port: 0, wsPort: 0, brokerState: 'memory', arango: false, inputRoots: [dirname(sample)], logger });
    client = new Actor({ name: 'client', clientId: 'client-templates-test', url: system.broker.url, logger });
    client.subscribe('comms/v1/workflows/+/events', log.listener);
    await client.start();
    intruder = await new Actor({ name: 'intruder', url: system.broker.url, logger }).start();
  });

  after(async () => {
    await intruder?.stop();
    await client?.stop();
    await system?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('instantiating checks params: unknown and missing required ones are E_WORKFLOW_INVALID naming them', () => {
    const unknown = (() => {
      try {
        instantiateTemplate('structure', { pdf: 'x' });
      } catch (err) {
        return err as CommsError;
      }
    })();
    expect(unknown?.code).to.equal('E_WORKFLOW_INVALID');
    expect(unknown?.message).to.contain('pdf').and.contain('documentKinds');
    expect(() => instantiateTemplate('field-requirement', {})).to.throw(CommsError, /needs param\(s\) fields/);
    expect(() => instantiateTemplate('nope')).to.throw(CommsError, /no workflow template nope/);
    const flagship = instantiateTemplate('marker-to-arangodb', { path: '/x.pdf' });
    expect(flagship.steps.map((s) => s.id)).to.deep.equal(['requirements', 'convert', 'validate', 'compatibility', 'ingest']);
    // Params not given drop their key instead of sending an empty value.
    expect(flagship.steps[1]?.input).to.include({ path: '/x.pdf', ingest: false, returnDocument: true }).and.not.have.property('url');
    expect(WORKFLOW_TEMPLATES.map((t) => t.kind)).to.include.members(['structure', 'field-requirement', 'compatibility', 'transformation', 'validation', 'example']);
  });

  it('the validation template runs on the real modules with the sample PDF and is recorded with each step conversation', async () => {
    const steps: WorkflowEvent[] = [];
    const run = await runTemplate({ url: system.broker.url, dataDir: join(dir, 'unused'), template: 'validation', params: { path: sample }, logger, onStep: (e) => steps.push(e) });
    expect(run.workflow.state, JSON.stringify(run.workflow.error)).to.equal('completed');
    const validate = run.workflow.steps['validate']?.output as { valid: boolean; against: string };
    expect(validate.valid).to.equal(true);
    expect(steps.filter((e) => e.stepState === 'completed').map((e) => e.stepId)).to.deep.equal(['requirements', 'convert', 'validate']);
    const queries = system.recorder.queries;
    await waitUntilRecorded(system.recorder, () => isFinalWorkflowState(queries.getWorkflow(run.workflowId).state));
    const recorded = queries.getWorkflow(run.workflowId);
    expect(recorded.state).to.equal('completed');
    expect(recorded.name).to.equal('validation');
    for (const step of recorded.steps) {
      const conversationId = step.conversationId as string;
      await waitUntilRecorded(system.recorder, () => queries.getTaskStatus(conversationId).state === 'completed');
      expect(queries.getTaskStatus(conversationId).parentId).to.equal(run.workflowId);
    }
    await waitUntilRecorded(system.recorder, () => queries.getTaskStatus(run.conversationId).state === 'completed');
    expect(queries.getTaskStatus(run.conversationId).query).to.equal('workflow.execute@1');
  });

  it('the example template answers a minimal document that arangodb\'s requirements accept', async () => {
    const run = await runTemplate({ url: system.broker.url, dataDir: join(dir, 'unused'), template: 'example', params: { blockTypes: ['SectionHeader', 'Text', 'Table'] }, logger });
    expect(run.workflow.state).to.equal('completed');
    const answer = run.workflow.steps['example']?.output as { document: unknown; validation: { valid: boolean } };
    expect(answer.validation.valid).to.equal(true);
    expect(validatePdfFormat(answer.document, buildPdfRequirements()).valid).to.equal(true);
    const bad = await runTemplate({ url: system.broker.url, dataDir: join(dir, 'unused'), template: 'example', params: { blockTypes: ['Paragraph'] }, logger });
    expect(bad.workflow.state).to.equal('failed');
    expect(bad.workflow.steps['example']?.error?.message).to.contain('Paragraph');
  });

  /** Start a template paused, owned by `client`; resolves (with its end, wrapped) once the orchestrator reports it paused. */
  async function startPaused(id: string): Promise<{ result: Promise<WorkflowResult> }> {
    const result = client.ask<WorkflowResult>('orchestrator', 'workflow.execute@1', { template: 'validation', id, params: { path: sample }, paused: true }, { timeoutMs: 120_000 });
    await eventSeen((e) => e.workflowId === id && e.type === 'workflow' && e.state === 'paused');
    return { result };
  }

  const control = (body: Record<string, unknown>, who: Actor = client) => who.ask<WorkflowStateSnapshot>('orchestrator', 'workflow.control@1', body, { timeoutMs: 30_000 });

  it('a skip and an added step on a paused workflow are applied, run and recorded as change events', async () => {
    const id = 'modified-1';
    const { result } = await startPaused(id);
    const skipped = await control({ command: 'skip', workflowId: id, stepId: 'validate' });
    expect(skipped.steps['validate']?.state).to.equal('skipped');
    const added = await control({
      command: 'add-step',
      workflowId: id,
      step: { id: 'example', module: 'arangodb', query: 'pdf.example@1', input: { kind: '${steps.requirements.output.documentKinds.0}' }, dependsOn: ['requirements'] },
    });
    expect(added.definition.steps.map((s) => s.id)).to.include('example');
    expect(added.steps['example']?.state).to.equal('pending');
    await control({ command: 'resume', workflowId: id });
    const end = await result;
    expect(end.state).to.equal('completed');
    expect(end.steps['validate']?.state).to.equal('skipped');
    expect(end.steps['example']?.state).to.equal('completed');
    expect(end.steps['convert']?.state).to.equal('completed');
    const changes = events.filter((e) => e.workflowId === id && e.type === 'change').map((e) => e.change);
    expect(changes).to.deep.equal([
      { command: 'skip', stepIds: ['validate'], by: 'client' },
      { command: 'add-step', stepIds: ['example'], by: 'client' },
    ]);
    const queries = system.recorder.queries;
    await waitUntilRecorded(system.recorder, () => queries.getWorkflow(id).state === 'completed');
    const recorded = queries.getWorkflow(id);
    expect(recorded.steps.find((s) => s.stepId === 'validate')?.state).to.equal('skipped');
    expect((recorded.definition as { steps: Array<{ id: string }> }).steps.map((s) => s.id)).to.include('example');
    const recordedChanges = queries.getConversationMessages(id).filter((m) => (m.payload as { body?: { type?: string } }).body?.type === 'change');
    expect(recordedChanges).to.have.length(2);
  });

  it('bad modifications get clear errors and change nothing', async () => {
    const id = 'modified-2';
    const { result } = await startPaused(id);
    const dependent = await rejection(control({ command: 'skip', workflowId: id, stepId: 'convert' }));
    expect(dependent.code).to.equal('E_WORKFLOW_INVALID');
    expect(dependent.message).to.contain('validate depend');
    expect((dependent.details as { hint: string }).hint).to.contain('--cascade');
    const unknown = await rejection(control({ command: 'skip', workflowId: id, stepId: 'nosuch' }));
    expect(unknown.message).to.contain('no step nosuch').and.contain('requirements, convert, validate');
    const duplicate = await rejection(control({ command: 'add-step', workflowId: id, step: { id: 'convert', module: 'marker', query: 'pdf.convert@1' } }));
    expect(duplicate.code).to.equal('E_WORKFLOW_INVALID');
    const missingDependency = await rejection(control({ command: 'add-step', workflowId: id, step: { id: 'late', module: 'arangodb', query: 'pdf.example@1', dependsOn: ['ghost'] } }));
    expect((missingDependency.details as { path: string }).path).to.match(/dependsOn/);
    const notOwner = await rejection(control({ command: 'skip', workflowId: id, stepId: 'validate' }, intruder));
    expect(notOwner.code).to.equal('E_NOT_AUTHORIZED');
    expect(notOwner.message).to.contain('belongs to client');
    // With cascade, convert and the validate that needs it go together; then a step may not wait on them.
    const cascaded = await control({ command: 'skip', workflowId: id, stepId: 'convert', cascade: true });
    expect(cascaded.steps['convert']?.state).to.equal('skipped');
    expect(cascaded.steps['validate']?.state).to.equal('skipped');
    const onSkipped = await rejection(control({ command: 'add-step', workflowId: id, step: { id: 'late', module: 'arangodb', query: 'pdf.example@1', dependsOn: ['convert'] } }));
    expect(onSkipped.message).to.contain('skipped');
    await control({ command: 'resume', workflowId: id });
    const end = await result;
    expect(end.state).to.equal('completed');
    expect(Object.keys(end.steps).sort()).to.deep.equal(['convert', 'requirements', 'validate']);
    // Only a paused workflow changes.
    const ended = await rejection(control({ command: 'skip', workflowId: id, stepId: 'validate' }));
    expect(ended.code).to.equal('E_WORKFLOW_INVALID');
    expect(ended.message).to.contain('only a paused workflow');
  });

  it('an operator changes a paused workflow on the control topic (bare JSON); a refused change there changes nothing', async () => {
    const id = 'topic-modified';
    const { result } = await startPaused(id);
    // Refused: validate depends on convert. Only logged (nobody waits on the topic), the later skip is applied alone.
    await client.publishRaw(`comms/v1/workflows/${id}/control`, JSON.stringify({ command: 'skip', stepId: 'convert' }));
    await client.publishRaw(`comms/v1/workflows/${id}/control`, JSON.stringify({ command: 'skip', stepId: 'validate' }));
    await eventSeen((e) => e.workflowId === id && e.type === 'change');
    await client.publishRaw(`comms/v1/workflows/${id}/control`, JSON.stringify({ command: 'resume' }));
    const end = await result;
    expect(end.state).to.equal('completed');
    expect(end.steps['convert']?.state).to.equal('completed');
    expect(end.steps['validate']?.state).to.equal('skipped');
    expect(events.filter((e) => e.workflowId === id && e.type === 'change').map((e) => e.change)).to.deep.equal([{ command: 'skip', stepIds: ['validate'] }]);
  });
});
