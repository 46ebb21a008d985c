import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AnthropicBackend, createBackgroundInstance, SqliteInstanceStore } from '../instances/index.ts';
import { INSTANCE_HISTORY_MIGRATIONS } from '../storage/index.ts';
import { MessagesApiServer } from './fixtures/messages-api-server.ts';
import { requirementsCard } from './fixtures/instance-cards.ts';
import { rejectsWith } from './support/rejection.ts';

describe('instances: persistence in SQLite across restarts', () => {
  let dir: string;
  let server: MessagesApiServer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'instances-store-'));
    server = await MessagesApiServer.start();
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const backend = (): AnthropicBackend =>
    new AnthropicBackend({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, model: 'claude-test', env: {} });

  it('resumes an instance with its history after everything was closed', async () => {
    const file = join(dir, 'comms.db');
    const store1 = new SqliteInstanceStore(file);
    const before = await createBackgroundInstance(requirementsCard, { id: 'arangodb-1', store: store1, backend: backend() });
    server.enqueue({ kind: 'text', text: 'I ingest PDFs.' });
    await before.send('What do you ingest?');
    await before.close();
    store1.close();

    const store2 = new SqliteInstanceStore(file);
    const after = await createBackgroundInstance(requirementsCard, { id: 'arangodb-1', store: store2, backend: backend() });
    expect(after.history.map((t) => [t.seq, t.role, t.content])).to.deep.equal([
      [1, 'user', 'What do you ingest?'],
      [2, 'assistant', 'I ingest PDFs.'],
    ]);
    await after.send('Which fields?');
    const sent = server.messageRequests.at(-1)?.body?.messages ?? [];
    expect(sent.map((m) => (Array.isArray(m.content) ? m.content[0]?.text : m.content))).to.deep.equal([
      'What do you ingest?',
      'I ingest PDFs.',
      'Which fields?',
    ]);
    const records = await store2.listInstances('arangodb');
    expect(records.map((r) => [r.id, r.module, r.backend, r.status])).to.deep.equal([['arangodb-1', 'arangodb', 'anthropic', 'idle']]);
    expect(await store2.listInstances('marker')).to.deep.equal([]);
    await after.close();
    store2.close();
  });

  it('keeps pause and terminate across restarts', async () => {
    const file = join(dir, 'comms.db');
    let store = new SqliteInstanceStore(file);
    const first = await createBackgroundInstance(requirementsCard, { id: 'p-1', store, backend: 'offline' });
    await first.pause();
    await first.close();
    store.close();

    store = new SqliteInstanceStore(file);
    const paused = await createBackgroundInstance(requirementsCard, { id: 'p-1', store, backend: 'offline' });
    expect(paused.state).to.equal('paused');
    await paused.resume();
    await paused.send('hello');
    await paused.terminate();
    store.close();

    store = new SqliteInstanceStore(file);
    await rejectsWith(createBackgroundInstance(requirementsCard, { id: 'p-1', store, backend: 'offline' }), 'E_NOT_FOUND');
    expect((await store.loadInstance('p-1'))?.status).to.equal('terminated');
    expect(await store.loadTurns('p-1')).to.have.length(2);
    store.close();
  });

  it('works on a Database handle it does not own, with the two tables', async () => {
    const db = new Database(join(dir, 'shared.db'));
    const store = new SqliteInstanceStore(db);
    const instance = await createBackgroundInstance('marker', { id: 'm-1', store, backend: 'offline' });
    await instance.send('hi');
    await instance.close();
    store.close();
    expect(db.open).to.equal(true);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>;
    expect(tables.map((t) => t.name)).to.include.members(['instances', 'instance_turns']);
    const rows = db.prepare('SELECT seq, role FROM instance_turns WHERE instance_id = ? ORDER BY seq').all('m-1');
    expect(rows).to.deep.equal([
      { seq: 1, role: 'user' },
      { seq: 2, role: 'assistant' },
    ]);
    await rejectsWith(store.appendTurn('nobody', { role: 'user', content: 'x' }), 'E_NOT_FOUND');
    db.close();
  });

  it('reports storage failures as E_STORAGE', () => {
    // A directory is not a database file.
    expect(() => new SqliteInstanceStore(dir))
      .to.throw(/Instance store/)
      .with.property('code', 'E_STORAGE');
  });

  it('owns its schema through storage migrations: user_version, missing directories, files from before migrations', async () => {
    const fresh = join(dir, 'missing', 'dir', 'instances.db');
    new SqliteInstanceStore(fresh).close();
    const db = new Database(fresh);
    expect(db.pragma('user_version', { simple: true })).to.equal(INSTANCE_HISTORY_MIGRATIONS.length);
    db.close();

    // A file written by the store before it had migrations: same tables, user_version 0, kept rows.
    const old = new Database(join(dir, 'old.db'));
    old.exec(`CREATE TABLE instances (id TEXT PRIMARY KEY, module TEXT NOT NULL, backend TEXT NOT NULL, system_prompt TEXT NOT NULL,
      status TEXT NOT NULL, session_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE instance_turns (instance_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, content TEXT NOT NULL,
      at TEXT NOT NULL, PRIMARY KEY (instance_id, seq));
      INSERT INTO instances VALUES ('o-1', 'marker', 'offline', 'p', 'paused', NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');`);
    const store = new SqliteInstanceStore(old);
    expect(old.pragma('user_version', { simple: true })).to.equal(INSTANCE_HISTORY_MIGRATIONS.length);
    expect((await store.loadInstance('o-1'))?.status).to.equal('paused');
    old.close();
  });
});
