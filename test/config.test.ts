import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, loadCommsConfig, parseCommsConfig, resolveConfigBackend } from '../config/index.ts';
import { CommsError } from '../protocol/index.ts';
import { repo } from './support/cli-process.ts';

function problemOf(value: unknown): CommsError {
  try {
    parseCommsConfig(value, 'test.json');
  } catch (err) {
    expect(err).to.be.instanceOf(CommsError);
    expect((err as CommsError).code).to.equal('E_CONFIG_INVALID');
    return err as CommsError;
  }
  throw new Error('the config was accepted');
}

const advisor = { name: 'advisor', kind: 'advisor', backend: 'auto' };

describe('comms.config.json (config/)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'comms-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names an unknown key by its JSON path', () => {
    const error = problemOf({ modules: [{ ...advisor, pool: { size: 2, idelTimeoutMs: 5 } }] });
    expect(error.message).to.contain('modules[0].pool.idelTimeoutMs: unknown key').and.to.contain('test.json');
    expect(problemOf({ modules: [], module: [] }).message).to.contain('module: unknown key');
  });

  it('names a bad value and lists the allowed ones', () => {
    expect(problemOf({ modules: [{ ...advisor, backend: 'gpt' }] }).message).to.contain('modules[0].backend: "gpt" is not one of "auto", "anthropic", "claude-code", "offline"');
    expect(problemOf({ modules: [{ ...advisor, pool: { size: 0 } }] }).message).to.contain('modules[0].pool.size');
    expect(problemOf({ modules: [{ ...advisor, name: 'Advisor!' }] }).message).to.contain('modules[0].name');
  });

  it('refuses duplicate names, queries the advisor cannot answer, and instance modules without query objects', () => {
    expect(problemOf({ modules: [advisor, advisor] }).message).to.contain('modules[1].name: module advisor is declared twice');
    expect(problemOf({ modules: [{ ...advisor, queries: ['pdf.convert@1'] }] }).message).to.contain('modules[0].queries[0]: the advisor answers');
    expect(problemOf({ modules: [{ name: 'helper', kind: 'instance', backend: 'offline' }] }).message).to.contain('modules[0].queries: an instance module needs');
  });

  it('reads --config FILE, says so for a missing or non-JSON file, and falls back to the built-in advisor', () => {
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ modules: [{ ...advisor, backend: 'offline' }] }));
    expect(loadCommsConfig(file).config.modules[0]?.backend).to.equal('offline');
    expect(() => loadCommsConfig(join(dir, 'missing.json'))).to.throw(CommsError, /cannot read the config file/);
    writeFileSync(file, '{ modules: ');
    expect(() => loadCommsConfig(file)).to.throw(CommsError, /is not JSON/);
    expect(loadCommsConfig(undefined, dir)).to.deep.equal({ config: DEFAULT_CONFIG, source: 'built-in defaults' });
  });

  it('ships a valid comms.config.json with the advisor', () => {
    const shipped = loadCommsConfig(undefined, repo);
    expect(shipped.source).to.equal(join(repo, 'comms.config.json'));
    expect(shipped.config.modules.map((m) => m.kind)).to.include('advisor');
  });

  it('resolves auto: anthropic with a key, claude-code with the claude CLI, else offline', () => {
    expect(resolveConfigBackend('auto', { ANTHROPIC_API_KEY: 'k', PATH: '' })).to.equal('anthropic');
    expect(resolveConfigBackend('auto', { PATH: join(repo, 'test', 'fixtures', 'bin') })).to.equal('claude-code');
    expect(resolveConfigBackend('auto', { PATH: dir })).to.equal('offline');
    expect(resolveConfigBackend('offline', { ANTHROPIC_API_KEY: 'k' })).to.equal('offline');
  });
});
