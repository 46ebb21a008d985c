/**
 * The pieces of one request's attempts at an answer: which turns the model is sent, how an
 * answer is checked against its schema, the correction prompt for an invalid one, and the usage
 * summed over the attempts.
 */
import type { ModelReply, ModelUsage } from './model-backend.ts';
import type { JsonSchemaObject } from './module-card.ts';
import { schemaIssues, type SchemaIssue } from './schema-issues.ts';
import type { StoredTurn, Turn } from './turn.ts';

/**
 * The turns sent to the model: the history before this request without the prompts of earlier
 * requests that got no answer (failed or aborted; they stay in the store), then this request's turns.
 */
export function turnsForModel(turns: readonly StoredTurn[], start: number): Turn[] {
  const out: Turn[] = [];
  for (let i = 0; i < start; i++) {
    const turn = turns[i] as StoredTurn;
    const next = i + 1 < start ? turns[i + 1] : undefined;
    if (turn.role === 'user' && next?.role !== 'assistant') continue;
    out.push({ role: turn.role, content: turn.content });
  }
  for (let i = start; i < turns.length; i++) {
    const turn = turns[i] as StoredTurn;
    out.push({ role: turn.role, content: turn.content });
  }
  return out;
}

/** Why a structured reply is not a valid answer; empty when it is. */
export function answerIssues(schema: JsonSchemaObject, reply: ModelReply): SchemaIssue[] {
  if (reply.structured === undefined) return [{ path: '/', message: 'The answer contains no JSON value' }];
  return schemaIssues(schema, reply.structured);
}

export function correctionPrompt(issues: readonly SchemaIssue[], schemaId: string | undefined): string {
  return [
    `Your answer does not validate against ${schemaId ?? 'the required schema'}. Fix these errors and answer again with the complete corrected value:`,
    ...issues.map((i) => `- ${i.path}: ${i.message}`),
  ].join('\n');
}

export function addUsage(total: ModelUsage, add: ModelUsage | undefined): void {
  if (!add) return;
  total.inputTokens += add.inputTokens;
  total.outputTokens += add.outputTokens;
  if (add.cacheCreationInputTokens !== undefined) {
    total.cacheCreationInputTokens = (total.cacheCreationInputTokens ?? 0) + add.cacheCreationInputTokens;
  }
  if (add.cacheReadInputTokens !== undefined) {
    total.cacheReadInputTokens = (total.cacheReadInputTokens ?? 0) + add.cacheReadInputTokens;
  }
}
