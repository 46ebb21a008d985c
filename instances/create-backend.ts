import { AnthropicBackend, type AnthropicBackendOptions } from './anthropic-backend.ts';
import { ClaudeCodeBackend, type ClaudeCodeBackendOptions } from './claude-code-backend.ts';
import type { BackendKind, ModelBackend } from './model-backend.ts';
import type { ModuleCardLike } from './module-card.ts';
import { OfflineBackend } from './offline-backend.ts';
import { CommsError } from '../protocol/index.ts';

export interface CreateBackendOptions {
  /** The module's card (the offline backend answers from it). */
  card?: ModuleCardLike;
  /** Canned answers for the offline backend (see OfflineBackend). */
  knowledge?: Readonly<Record<string, unknown>>;
  anthropic?: AnthropicBackendOptions;
  claudeCode?: ClaudeCodeBackendOptions;
  /** Environment `auto` reads (ANTHROPIC_API_KEY). Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The backend kind `auto` resolves to: anthropic when ANTHROPIC_API_KEY is set, else offline. */
export function resolveBackendKind(kind: BackendKind | 'auto', env: NodeJS.ProcessEnv = process.env): BackendKind {
  if (kind !== 'auto') return kind;
  return env.ANTHROPIC_API_KEY ? 'anthropic' : 'offline';
}

export function createBackend(kind: BackendKind | 'auto', opts: CreateBackendOptions = {}): ModelBackend {
  const env = opts.env ?? process.env;
  const resolved = resolveBackendKind(kind, env);
  switch (resolved) {
    case 'anthropic':
      return new AnthropicBackend({ env, ...opts.anthropic });
    case 'claude-code':
      return new ClaudeCodeBackend(opts.claudeCode);
    case 'offline':
      return new OfflineBackend({
        ...(opts.card ? { card: opts.card } : {}),
        ...(opts.knowledge ? { knowledge: opts.knowledge } : {}),
      });
    default:
      throw new CommsError('E_CONFIG_INVALID', `Unknown backend kind ${String(resolved)}. Use anthropic, claude-code, offline or auto.`);
  }
}
