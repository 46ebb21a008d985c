/**
 * Background instances: persistent LLM conversations, each acting as one module, behind one
 * backend interface (anthropic, claude-code, offline), kept in a store and run in pools.
 */
export { BackgroundInstance, createBackgroundInstance } from './background-instance.ts';
export type { BackendSpec, BackgroundInstanceOptions, InstanceEvents, InstanceReply, SendOptions } from './instance-options.ts';
export {
  getBackgroundResult,
  sendToBackground,
  type BackgroundResult,
  type BackgroundResultStatus,
  type BackgroundSend,
} from './background-results.ts';
export { InstancePool, type InstancePoolEvents, type InstancePoolOptions, type PoolStats } from './instance-pool.ts';
export { InstanceMachine, type InstanceEvent, type InstanceMachineContext, type InstanceMachineOutput, type InstanceState } from '../state-machines/index.ts';
export type { InstanceRecord, InstanceStore, StoredInstanceStatus } from './instance-store.ts';
export { MemoryInstanceStore } from './memory-instance-store.ts';
export { SqliteInstanceStore } from './sqlite-instance-store.ts';
export { createBackend, resolveBackendKind, type CreateBackendOptions } from './create-backend.ts';
export { AnthropicBackend, DEFAULT_MODEL, type AnthropicBackendOptions } from './anthropic-backend.ts';
export { ClaudeCodeBackend, type ClaudeCodeBackendOptions } from './claude-code-backend.ts';
export { OFFLINE_HINT, OFFLINE_TEXT_MARKER, OfflineBackend, type OfflineBackendOptions } from './offline-backend.ts';
export type { BackendKind, ModelBackend, ModelReply, ModelRequest, ModelUsage } from './model-backend.ts';
export type { JsonSchemaObject, ModuleCardLike, QueryTypeLike } from './module-card.ts';
export { systemPromptFromCard } from './system-prompt.ts';
export { schemaIssues, type SchemaIssue } from './schema-issues.ts';
export type { StoredTurn, Turn } from './turn.ts';
