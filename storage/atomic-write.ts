/**
 * The one way a file other than a database is replaced: write a temporary file next to it,
 * fsync it, rename it over the target, fsync the directory. A reader (or a crash) sees the old
 * content or the new one, never a half-written file; the temporary file sits in the same
 * directory because rename is only atomic within one file system.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CommsError } from '../protocol/index.ts';

export interface AtomicWriteOptions {
  /** File mode of the new file, e.g. 0o600 for secrets. Default 0o644 (before the umask). */
  mode?: number;
  /** Mode of the parent directory when it has to be created, e.g. 0o700. Default 0o777 (before the umask). */
  dirMode?: number;
}

/** Replaces `path` with `data` atomically; creates the parent directory if missing. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = opts.mode ?? 0o644;
  try {
    await mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o777 });
    const file = await open(temp, 'wx', mode);
    try {
      await file.writeFile(data);
      // The mode given to open() is masked by the umask; a secret file must end up exactly `mode`.
      await file.chmod(mode);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    await syncDirectory(dir);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new CommsError('E_STORAGE', `cannot write ${path}: ${(err as Error).message}. Check that its directory is writable.`, undefined, { cause: err });
  }
}

/** Replaces `path` with `value` as indented JSON and a final newline, atomically. */
export async function writeJsonAtomic(path: string, value: unknown, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, opts);
}

/** Makes the rename itself durable; some platforms (Windows) cannot open a directory, which is fine there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
