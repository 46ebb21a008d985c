/**
 * The offline backend: deterministic, no network. It answers from what the module declares:
 * - a structured request gets, in order of preference, `knowledge[schemaId]`, the schema's
 *   `default`, its first `examples` entry, or a minimal value synthesised from the schema
 *   (`minimalValue`), whichever first validates against the schema;
 * - a text request gets `knowledge[prompt]` when that is a string, else a fixed summary of the
 *   module and the query types its card lists.
 * The same request always gets the same answer.
 */
import { CommsError } from '../protocol/index.ts';
import type { ModelBackend, ModelReply, ModelRequest } from './model-backend.ts';
import { minimalValue } from './minimal-value.ts';
import type { JsonSchemaObject, ModuleCardLike } from './module-card.ts';
import { schemaIssues } from './schema-issues.ts';

export interface OfflineBackendOptions {
  card?: ModuleCardLike;
  /** Canned answers: keyed by answer schema id (structured) or by exact prompt text (text). */
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
    const text = typeof canned === 'string' ? canned : this.summary();
    req.onText?.(text);
    return { text, usage: { inputTokens: 0, outputTokens: 0 } };
  }

  async health(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}

  private structuredAnswer(schema: JsonSchemaObject, schemaId: string | undefined): unknown {
    const candidates: unknown[] = [];
    if (schemaId !== undefined && Object.hasOwn(this.knowledge, schemaId)) candidates.push(this.knowledge[schemaId]);
    if (schema.default !== undefined) candidates.push(schema.default);
    if (Array.isArray(schema.examples) && schema.examples.length > 0) candidates.push(schema.examples[0]);
    for (const candidate of candidates) {
      if (schemaIssues(schema, candidate).length === 0) return structuredClone(candidate);
    }
    const created = minimalValue(schema);
    const issues = schemaIssues(schema, created);
    if (issues.length > 0) {
      throw new CommsError(
        'E_MODEL_INVALID_OUTPUT',
        `The offline backend has no valid answer for ${schemaId ?? 'this schema'}. Add one to the knowledge map.`,
        { schemaId: schemaId ?? null, issues },
      );
    }
    return created;
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
