/** Resolves an instance's BackendSpec to a backend, and whether the instance owns (closes) it. */
import { createBackend, type CreateBackendOptions } from './create-backend.ts';
import type { InstanceRecord } from './instance-store.ts';
import type { BackendSpec } from './instance-options.ts';
import type { ModelBackend } from './model-backend.ts';
import type { ModuleCardLike } from './module-card.ts';

export interface InstanceBackend {
  backend: ModelBackend;
  /** False for a ready backend passed in: it is shared, and the instance never closes it. */
  owned: boolean;
}

/**
 * A backend created from a kind gets the card (the offline backend answers from it) and, for
 * claude-code, the stored session of a reopened instance so the conversation continues there.
 */
export function instanceBackend(
  spec: BackendSpec,
  options: CreateBackendOptions | undefined,
  card: ModuleCardLike | undefined,
  existing: InstanceRecord | undefined,
): InstanceBackend {
  if (typeof spec === 'function') return { backend: spec(), owned: true };
  if (typeof spec !== 'string') return { backend: spec, owned: false };
  const backendOptions: CreateBackendOptions = { ...options };
  if (card && !backendOptions.card) backendOptions.card = card;
  if (spec === 'claude-code' && existing?.sessionId && !backendOptions.claudeCode?.sessionId) {
    backendOptions.claudeCode = { ...backendOptions.claudeCode, sessionId: existing.sessionId };
  }
  return { backend: createBackend(spec, backendOptions), owned: true };
}
