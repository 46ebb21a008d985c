import type { JsonSchemaObject } from './module-card.ts';
import type { Turn } from './turn.ts';

export type BackendKind = 'anthropic' | 'claude-code' | 'offline';

/** What a backend is asked: the whole conversation so far, the last turn being the new one. */
export interface ModelRequest {
  system: string;
  messages: readonly Turn[];
  /** When present the answer must be a value of this schema (the backend forces structured output). */
  schema?: JsonSchemaObject;
  /** The schema's id (e.g. `pdf.requirements@1`); names the answer tool and keys offline knowledge. */
  schemaId?: string;
  signal?: AbortSignal;
  /** Called with each piece of answer text as it arrives. */
  onText?: (delta: string) => void;
  /** A backend-side session to continue (claude-code), from an earlier reply. */
  sessionId?: string;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens?: number;
  cacheReadInputTokens?: number;
}

export interface ModelReply {
  /** The answer text (for a structured answer, any text the model wrote besides it). */
  text: string;
  /** For a request with a schema: the parsed answer, not yet validated; undefined if none was found. */
  structured?: unknown;
  usage?: ModelUsage;
  /** The backend-side session the conversation now lives in (claude-code). */
  sessionId?: string;
}

/** A model behind one interface: the Messages API, a Claude Code process, or the offline stand-in. */
export interface ModelBackend {
  readonly kind: BackendKind;
  send(req: ModelRequest): Promise<ModelReply>;
  /** True when the backend can take requests now. Never throws. */
  health(): Promise<boolean>;
  /** Releases connections and processes. Idempotent. */
  close(): Promise<void>;
}
