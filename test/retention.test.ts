import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope, Topics } from '../protocol/index.ts';
import { CommsQueries, MessageRecorder, openWriter, pruneRecords } from '../storage/index.ts';

function event(conversationId: string, seq: number, state: string) {
  return Buffer.from(
    JSON.stringify(
      createEnvelope({
        kind: 'event',
        from: 'a',
        to: '*',
        conversationId,
        seq,
        schema: 'conversation.event@1',
        body: { type: 'state', state, requester: 'a', responder: 'b', query: 'q@1', requestId: 'r', attempt: 1 },
      }),
    ),
  );
}

describe('storage retention and migrations', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'comms-retention-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prunes old ended conversations and their messages, but never an open one', () => {
    const db = openWriter(join(dir, 'c.db'));
    const recorder = new MessageRecorder(db);
    const old = '2020-01-01T00:00:00.000Z';
    recorder.record({ topic: Topics.conversationEvents('ended'), payload: event('ended', 1, 'completed'), retained: false, receivedAt: old });
    recorder.record({ topic: Topics.conversationEvents('open'), payload: event('open', 1, 'working'), retained: false, receivedAt: old });
    recorder.record({ topic: Topics.conversationEvents('fresh'), payload: event('fresh', 1, 'completed'), retained: false });
    const removed = pruneRecords(db, { maxAgeMs: 86_400_000 });
    expect(removed).to.deep.equal({ messages: 1, conversations: 1, workflows: 0 });
    const queries = new CommsQueries(db);
    expect(queries.listConversations().map((c) => c.id).sort()).to.deep.equal(['fresh', 'open']);
    expect(queries.getConversationEvents('open')).to.have.length(1);
    db.close();
  });

  it('migrates by user_version and reopens an existing database without redoing it', () => {
    const path = join(dir, 'm.db');
    const first = openWriter(path);
    expect(first.pragma('user_version', { simple: true })).to.be.greaterThan(0);
    const version = first.pragma('user_version', { simple: true });
    first.close();
    const again = openWriter(path);
    expect(again.pragma('user_version', { simple: true })).to.equal(version);
    expect(again.pragma('journal_mode', { simple: true })).to.equal('wal');
    again.close();
  });

  it('records a redelivered message once and an invalid one with its error, byte for byte', () => {
    const db = openWriter(join(dir, 'd.db'));
    const recorder = new MessageRecorder(db);
    const payload = event('x', 1, 'working');
    expect(recorder.record({ topic: Topics.conversationEvents('x'), payload, retained: false }).stored).to.equal(true);
    expect(recorder.record({ topic: Topics.conversationEvents('x'), payload, retained: false }).stored).to.equal(false);
    const junk = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    expect(recorder.record({ topic: 'comms/v1/modules/b/inbox', payload: junk, retained: false })).to.deep.equal({ stored: true, valid: false });
    const row = db.prepare('SELECT payload, error_code FROM messages WHERE valid = 0').get() as { payload: Buffer; error_code: string };
    expect(row.payload.equals(junk)).to.equal(true);
    expect(row.error_code).to.equal('E_JSON_INVALID');
    db.close();
  });

  it('keeps a well-formed envelope whose body cannot be applied as an invalid message instead of throwing', () => {
    const db = openWriter(join(dir, 'e.db'));
    const recorder = new MessageRecorder(db);
    const bad = (conversationId: string, schema: string, body: unknown, topic: string) => ({
      topic,
      payload: Buffer.from(JSON.stringify(createEnvelope({ kind: 'event', from: 'a', to: '*', conversationId, seq: 1, schema, body }))),
      retained: false,
    });
    const cases = [
      bad('c1', 'conversation.event@1', null, Topics.conversationEvents('c1')),
      bad('c2', 'conversation.event@1', { type: 'state', state: 'bogus' }, Topics.conversationEvents('c2')),
      bad('s1', 'module.status@1', null, Topics.moduleStatus('a')),
      bad('w1', 'workflow.state@1', null, 'comms/v1/workflows/w1/state'),
    ];
    for (const message of cases) expect(recorder.record(message)).to.deep.equal({ stored: true, valid: false });
    const rows = db.prepare('SELECT error_code FROM messages WHERE valid = 0').all() as Array<{ error_code: string }>;
    expect(rows.map((r) => r.error_code)).to.deep.equal(['E_SCHEMA_INVALID', 'E_SCHEMA_INVALID', 'E_SCHEMA_INVALID', 'E_SCHEMA_INVALID']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM conversations').get()).to.deep.equal({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM modules').get()).to.deep.equal({ n: 0 });
    // A valid event afterwards is still applied.
    expect(recorder.record({ topic: Topics.conversationEvents('c1'), payload: event('c1', 2, 'working'), retained: false })).to.include({ stored: true, valid: true });
    expect((db.prepare('SELECT state FROM conversations WHERE id = ?').get('c1') as { state: string }).state).to.equal('working');
    db.close();
  });

  it('prunes old ended workflows and their steps, but never a running one', () => {
    const db = openWriter(join(dir, 'w.db'));
    const recorder = new MessageRecorder(db);
    const old = '2020-01-01T00:00:00.000Z';
    const state = (workflowId: string, wfState: string) => ({
      topic: `comms/v1/workflows/${workflowId}/state`,
      payload: Buffer.from(
        JSON.stringify(
          createEnvelope({ kind: 'event', from: 'orchestrator', to: '*', conversationId: workflowId, seq: 1, schema: 'workflow.state@1', body: {
              workflowId,
              name: workflowId,
              state: wfState,
              seq: 1,
              definition: { id: workflowId, name: workflowId, steps: [{ id: 's1', module: 'm', query: 'q@1' }] },
              steps: { s1: { state: wfState === 'completed' ? 'completed' : 'running', attempts: 1 } },
              updatedAt: old,
            },
          }),
        ),
      ),
      retained: true,
      receivedAt: old,
    });
    recorder.record(state('done', 'completed'));
    recorder.record(state('busy', 'running'));
    expect(pruneRecords(db, { maxAgeMs: 86_400_000 }).workflows).to.equal(1);
    expect(db.prepare('SELECT id FROM workflows').all()).to.deep.equal([{ id: 'busy' }]);
    expect(db.prepare('SELECT workflow_id FROM workflow_steps').all()).to.deep.equal([{ workflow_id: 'busy' }]);
    db.close();
  });

  it('applies the first event to a conversation row created by its request, and ignores an older event arriving late', () => {
    const db = openWriter(join(dir, 'r.db'));
    const recorder = new MessageRecorder(db);
    const request = createEnvelope({ kind: 'request', from: 'a', to: 'b', conversationId: 'c9', replyTo: Topics.replies('a'), schema: 'q@1', body: {} });
    recorder.record({ topic: Topics.moduleInbox('b'), payload: Buffer.from(JSON.stringify(request)), retained: false });
    const row = () => db.prepare('SELECT state, last_seq FROM conversations WHERE id = ?').get('c9');
    expect(row()).to.deep.equal({ state: 'submitted', last_seq: 0 });
    recorder.record({ topic: Topics.conversationEvents('c9'), payload: event('c9', 1, 'submitted'), retained: false });
    expect(row()).to.deep.equal({ state: 'submitted', last_seq: 1 });
    recorder.record({ topic: Topics.conversationEvents('c9'), payload: event('c9', 3, 'completed'), retained: false });
    recorder.record({ topic: Topics.conversationEvents('c9'), payload: event('c9', 2, 'working'), retained: false });
    expect(row()).to.deep.equal({ state: 'completed', last_seq: 3 });
    expect(new CommsQueries(db).getConversationEvents('c9').map((e) => e.seq)).to.deep.equal([1, 2, 3]);
    db.close();
  });

  it('a reply that comes before the events of a public conversation completes its row; the events do not reopen it, a final one decides', () => {
    const db = openWriter(join(dir, 'early-reply.db'));
    const recorder = new MessageRecorder(db);
    const request = createEnvelope({ kind: 'request', from: 'a', to: 'b', conversationId: 'c7', replyTo: Topics.replies('a'), schema: 'q@1', body: {} });
    recorder.record({ topic: Topics.moduleInbox('b'), payload: Buffer.from(JSON.stringify(request)), retained: false });
    const reply = createEnvelope({ kind: 'reply', from: 'b', to: 'a', conversationId: 'c7', correlationId: request.id, schema: 'q.answer@1', body: { ok: true } });
    recorder.record({ topic: Topics.replies('a'), payload: Buffer.from(JSON.stringify(reply)), retained: false });
    const row = () => db.prepare('SELECT state, last_seq, percent, ended_at IS NOT NULL AS ended FROM conversations WHERE id = ?').get('c7');
    const queries = new CommsQueries(db);
    expect(row()).to.deep.equal({ state: 'completed', last_seq: 0, percent: 100, ended: 1 });
    expect(queries.getConversationEvents('c7')).to.have.length(1);
    expect(queries.getConversationEvents('c7')[0]).to.include({ seq: 1, derivedFrom: 'reply', messageId: reply.id });
    // The requester's events, published one at a time, arrive after the reply: indexed, but the row stays completed.
    recorder.record({ topic: Topics.conversationEvents('c7'), payload: event('c7', 1, 'submitted'), retained: false });
    recorder.record({ topic: Topics.conversationEvents('c7'), payload: event('c7', 2, 'working'), retained: false });
    expect(row()).to.deep.equal({ state: 'completed', last_seq: 2, percent: 100, ended: 1 });
    expect(queries.getConversationEvents('c7').map((e) => [e.seq, e.event.state, e.derivedFrom])).to.deep.equal([
      [1, 'submitted', undefined],
      [2, 'working', undefined],
    ]);
    // The requester refused the reply: its final event is the outcome.
    recorder.record({ topic: Topics.conversationEvents('c7'), payload: event('c7', 3, 'failed'), retained: false });
    expect(row()).to.include({ state: 'failed', last_seq: 3 });
    db.close();
  });
});
