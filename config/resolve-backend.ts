import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { CommsConfig } from './comms-config.ts';

type ConfigBackend = CommsConfig['modules'][number]['backend'];
export type ResolvedBackend = Exclude<ConfigBackend, 'auto'>;

/**
 * The backend a configured module really gets: `auto` is anthropic when ANTHROPIC_API_KEY is set,
 * else claude-code when the `claude` CLI (or $CLAUDE_BIN) is executable, else offline. Resolved
 * once at start so the card names the real backend, never `auto`.
 */
export function resolveConfigBackend(kind: ConfigBackend, env: NodeJS.ProcessEnv = process.env): ResolvedBackend {
  if (kind !== 'auto') return kind;
  if (env.ANTHROPIC_API_KEY) return 'anthropic';
  return claudeCliFound(env) ? 'claude-code' : 'offline';
}

function claudeCliFound(env: NodeJS.ProcessEnv): boolean {
  const bin = env.CLAUDE_BIN ?? 'claude';
  const candidates = isAbsolute(bin) ? [bin] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, bin));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
