import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../storage/index.ts';

describe('storage: atomic file writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-write-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a file with the new content and leaves no temporary file behind', async () => {
    const file = join(dir, 'state.json');
    writeFileSync(file, 'old');
    await writeJsonAtomic(file, { a: 1 });
    expect(readFileSync(file, 'utf8')).to.equal('{\n  "a": 1\n}\n');
    expect(readdirSync(dir)).to.deep.equal(['state.json']);
  });

  it('creates missing directories and gives the file and a new directory the modes asked for', async function () {
    if (process.platform === 'win32') this.skip();
    const file = join(dir, 'private', 'secrets.json');
    await writeFileAtomic(file, 'secret', { mode: 0o600, dirMode: 0o700 });
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(statSync(join(dir, 'private')).mode & 0o777).to.equal(0o700);
  });

  it('fails with E_STORAGE and keeps the old file when the target cannot be replaced', async () => {
    const target = join(dir, 'is-a-directory');
    await writeFileAtomic(join(target, 'inside'), 'x');
    try {
      await writeFileAtomic(target, 'y');
      expect.fail('the write should have failed');
    } catch (err) {
      expect((err as { code?: string }).code).to.equal('E_STORAGE');
    }
    expect(readFileSync(join(target, 'inside'), 'utf8')).to.equal('x');
    expect(readdirSync(dir)).to.deep.equal(['is-a-directory']);
  });
});
