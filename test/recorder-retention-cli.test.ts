import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../broker/index.ts';
import { createEnvelope, encodeEnvelope, Topics } from '../protocol/index.ts';
import { MessageRecorder, openWriter, usedBytes } from '../storage/index.ts';
import { commsBin, commsRun, expectCliError, repo } from './support/cli-process.ts';

/** `count` ended conversations, one a second from 2026-01-01, one event each. */
function fill(dbPath: string, count: number): number {
  const db = openWriter(dbPath);
  const recorder = new MessageRecorder(db);
  const group = Array.from({ length: count }, (_, i) => {
    const id = `old-${i}`;
    const body = { type: 'state', state: 'completed', requester: 'a', responder: 'b', query: 'q@1', requestId: `${id}-r`, attempt: 1, note: 'x'.repeat(200) };
    const payload = encodeEnvelope(createEnvelope({ kind: 'event', from: 'a', to: '*', conversationId: id, seq: 1, schema: 'conversation.event@1', body }));
    return { topic: Topics.conversationEvents(id), payload, retained: false, receivedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() };
  });
  recorder.recordBatch(group);
  const bytes = usedBytes(db);
  db.close();
  return bytes;
}

describe('comms recorder retention flags', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'comms-retention-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--max-db-mb prunes the database under the limit when the recorder starts', async () => {
    const dbPath = join(dir, 'comms.db');
    expect(fill(dbPath, 8000)).to.be.greaterThan(1024 * 1024);
    const broker = await startBroker({ port: 0 });
    const child = spawn(process.execPath, [commsBin, 'recorder', '--url', broker.url, '--db', dbPath, '--max-db-mb', '1'], { cwd: repo, env: { ...process.env, COMMS_LOG_LEVEL: 'silent' } });
    try {
      // The line comes after start(), and start() prunes before it returns.
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => ((out += chunk.toString()), out.includes('recorder: ') && resolve()));
        child.once('exit', (code) => reject(new Error(`comms recorder exited with ${code}`)));
      });
      const db = openWriter(dbPath);
      try {
        expect(usedBytes(db)).to.be.at.most(1024 * 1024);
        expect(db.prepare("SELECT COUNT(*) FROM conversations WHERE id = 'old-7999'").pluck().get()).to.equal(1);
        expect(db.prepare("SELECT COUNT(*) FROM conversations WHERE id = 'old-0'").pluck().get()).to.equal(0);
      } finally {
        db.close();
      }
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await broker.close();
    }
  });

  it('a limit that is not a whole number is refused with E_USAGE naming the flag', async () => {
    const { message } = expectCliError(await commsRun(['recorder', '--max-db-mb', '0.5']), 'E_USAGE');
    expect(message).to.contain('--max-db-mb');
    expectCliError(await commsRun(['up', '--retain-days', 'soon']), 'E_USAGE');
  });
});
