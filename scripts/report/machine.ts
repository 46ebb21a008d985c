import { execFileSync } from 'node:child_process';
import { cpus, hostname, platform, arch, totalmem } from 'node:os';
import type { MachineRecord } from './types.ts';

export function machineRecord(repo: string): MachineRecord {
  let gitCommit = 'unknown';
  try {
    gitCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' }).trim() !== '';
    if (dirty) gitCommit += ' (with uncommitted changes)';
  } catch {
    // Not a checkout (e.g. an unpacked tarball): the report says so.
  }
  return {
    hostname: hostname(),
    platform: `${platform()}/${arch()}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    gitCommit,
  };
}
