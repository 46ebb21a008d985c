/** What a background instance is opened with and asked, and what it answers. */
import type { CreateBackendOptions } from './create-backend.ts';
import type { InstanceStore } from './instance-store.ts';
import type { BackendKind, ModelBackend, ModelUsage } from './model-backend.ts';
import type { JsonSchemaObject } from './module-card.ts';
import type { InstanceState } from '../state-machines/index.ts';
import type { StoredTurn } from './turn.ts';

/** How an instance gets its backend: a kind (created and owned), a factory (called once, owned), or a ready backend (shared). */
export type BackendSpec = BackendKind | 'auto' | ModelBackend | (() => ModelBackend);

export interface BackgroundInstanceOptions {
  /** Reopen (or create with) this id. Default: a new lower-case ULID. */
  id?: string;
  /** The backend; a shared one is never closed by the instance. Default: 'auto'. */
  backend?: BackendSpec;
  /** Options for a backend created from a kind. The module card is passed in automatically. */
  backendOptions?: CreateBackendOptions;
  /** Default: a MemoryInstanceStore private to this instance. */
  store?: InstanceStore;
  /** Default: systemPromptFromCard(card), or a short generic prompt when only a module name is given. */
  systemPrompt?: string;
  /** How many times an invalid structured answer is sent back for correction. Default 2. */
  maxValidationRetries?: number;
}

export interface SendOptions {
  /** Forces and validates a structured answer (a JSON Schema; a TypeBox schema is one). */
  schema?: JsonSchemaObject;
  /** The answer's schema id, e.g. `pdf.requirements@1`. */
  schemaId?: string;
  signal?: AbortSignal;
  onText?: (delta: string) => void;
  /**
   * Appended to the system prompt for this request only (the advisor's card and recent history of
   * the module asked about): the stored prompt stays the card's, so it remains cacheable.
   */
  context?: string;
  /** Overrides the instance's maxValidationRetries for this request. */
  maxValidationRetries?: number;
}

export interface InstanceReply {
  instanceId: string;
  /** The final answer text (for structured answers: the JSON text, or the model's accompanying text). */
  text: string;
  /** The validated structured answer, when a schema was given. */
  value?: unknown;
  /** Summed over all attempts. */
  usage: ModelUsage;
  /** Model calls made: 1 plus the number of corrections. */
  attempts: number;
}

export interface InstanceEvents {
  state: [InstanceState];
  turn: [StoredTurn];
}
