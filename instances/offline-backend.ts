/**
 * The offline backend: deterministic, no network, and never passing itself off as a model.
 * It answers only from rules the module declares (its `knowledge` map):
 * - a structured request gets `knowledge[schemaId]` when that validates against the schema;
 *   with no rule it fails with E_MODEL_UNAVAILABLE and a hint naming ANTHROPIC_API_KEY and the
 *   `claude` CLI, because a value synthesised from the schema (`{answer:'', confidence:0}`) would
 *   look like a real answer;
 * - a text request gets `knowledge[prompt]` when that is a string, else a fixed summary of the
 *   module and the query types its card lists; either way the text starts with OFFLINE_TEXT_MARKER.
 * The same request always gets the same answer. The module card says `backend.kind: offline`.
 */
import { CommsError } from '../protocol/index.ts';
import type { ModelBackend, ModelReply, ModelRequest } from './model-backend.ts';
import type { JsonSchemaObject, ModuleCardLike } from './module-card.ts';
import { schemaIssues } from './schema-issues.ts';

/** Starts every text answer of the offline backend, so a reader can tell it from a model's. */
export const OFFLINE_TEXT_MARKER = '[offline backend: rule-based answer, no model was asked]';

/** What to do when the offline backend cannot answer (in E_MODEL_UNAVAILABLE's message and details.hint). */
export const OFFLINE_HINT =
  'Set ANTHROPIC_API_KEY (backend anthropic) or put the `claude` CLI on PATH (backend claude-code), or add a rule-based answer to the offline knowledge map.';

export interface OfflineBackendOptions {
  card?: ModuleCardLike;
  /** Rule-based answers: keyed by answer schema id (structured) or by exact prompt text (text). */
  knowledge?: Readonly<Record<string, unknown>>;
}

export class OfflineBackend implements ModelBackend {
  readonly kind = 'offline' as const;
  private readonly card: ModuleCardLike | undefined;
  private readonly knowledge: Readonly<Record<string, unknown>>;

  constructor(opts: OfflineBackendOptions = {}) {
    this.card = opts.card;
    this.knowledge = opts.knowledge ?? {};
  }

  async send(req: ModelRequest): Promise<ModelReply> {
    if (req.signal?.aborted) throw new CommsError('E_CANCELED', 'The model request was aborted.');
    const prompt = req.messages.at(-1)?.content ?? '';
    if (req.schema) {
      const structured = this.structuredAnswer(req.schema, req.schemaId);
      const text = JSON.stringify(structured);
      req.onText?.(text);
      return { text, structured, usage: { inputTokens: 0, outputTokens: 0 } };
    }
    const canned = this.knowledge[prompt.trim()];
    const text = `${OFFLINE_TEXT_MARKER}\n${typeof canned === 'string' ? canned : this.summary()}`;
    req.onText?.(text);
    return { text, usage: { inputTokens: 0, outputTokens: 0 } };
  }

  async health(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  private structuredAnswer(schema: JsonSchemaObject, schemaId: string | undefined): unknown {
    const what = schemaId ?? 'this schema';
    if (schemaId === undefined || !Object.hasOwn(this.knowledge, schemaId)) {
      throw new CommsError('E_MODEL_UNAVAILABLE', `No model is configured and the offline backend has no rule-based answer for ${what}. ${OFFLINE_HINT}`, {
        schemaId: schemaId ?? null,
        backend: 'offline',
        hint: OFFLINE_HINT,
      });
    }
    const rule = this.knowledge[schemaId];
    const issues = schemaIssues(schema, rule);
    if (issues.length > 0) {
      throw new CommsError('E_MODEL_INVALID_OUTPUT', `The offline backend's rule-based answer for ${what} does not match the schema. Fix it in the knowledge map.`, {
        schemaId,
        issues,
      });
    }
    return structuredClone(rule);
  }

  private summary(): string {
    const card = this.card;
    if (!card) return 'Offline backend: no module card was given, so there is nothing this instance can answer.';
    const lines = [`Offline backend for module ${card.name} ${card.version}.`];
    if (card.description) lines.push(card.description);
    if (card.queries.length === 0) lines.push('It declares no query types.');
    else {
      lines.push('It handles these query types:');
      for (const q of card.queries) {
        lines.push(`- ${q.schema} -> ${q.responseSchemaId}${q.description ? `: ${q.description}` : ''}`);
      }
    }
    return lines.join('\n');
  }
}
