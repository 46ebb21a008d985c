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
    expect(removed).to.deep.equal({ messages: 1, conversations: 1 });
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
});
