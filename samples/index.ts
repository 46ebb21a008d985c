/**
 * The generated sample documents on disk. `samplePath('sample.pdf')` writes the file into a cache
 * directory the first time (and whenever the generator's output changed) and returns its path.
 * Default directory: COMMS_SAMPLES_DIR, else `<os tmpdir>/claude-comms-samples-<uid>`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_FILES, type SampleName } from './make-sample-pdf.ts';

export { SAMPLE, SAMPLE_FILES, makeSamplePdf, makeDamagedPdf, type SampleName, type SampleOptions, type SampleVariant } from './make-sample-pdf.ts';

function uid(): string {
  try {
    return String(userInfo().uid);
  } catch {
    return 'user';
  }
}

export function defaultSamplesDir(): string {
  return process.env.COMMS_SAMPLES_DIR ?? join(tmpdir(), `claude-comms-samples-${uid()}`);
}

/** Path of a generated sample, written (atomically) unless an identical file is already there. */
export async function samplePath(name: SampleName, dir = defaultSamplesDir()): Promise<string> {
  const bytes = await SAMPLE_FILES[name]();
  const path = join(dir, name);
  if (existsSync(path) && readFileSync(path).equals(bytes)) return path;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return path;
}

/** Every sample in `dir`, by name. */
export async function allSamples(dir = defaultSamplesDir()): Promise<Record<SampleName, string>> {
  const out = {} as Record<SampleName, string>;
  for (const name of Object.keys(SAMPLE_FILES) as SampleName[]) out[name] = await samplePath(name, dir);
  return out;
}
