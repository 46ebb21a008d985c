import type { ModuleCardLike } from './module-card.ts';

/**
 * The system prompt of a background instance acting as a module, generated from its card: who
 * it is, each query type it answers with the request and reply JSON Schemas, and the rules for
 * answering. Deterministic: the same card gives the same prompt (so it stays cacheable).
 */
export function systemPromptFromCard(card: ModuleCardLike): string {
  const parts: string[] = [
    `You are the background instance of the module "${card.name}" (version ${card.version}) on the claude-comms message bus.`,
  ];
  if (card.description) parts.push(card.description);
  parts.push(
    'Other modules send you requests. Each request names its query type (a schema id such as `name@1`) and carries a JSON body. ' +
      'You answer as this module would, from what you know and what earlier turns of this conversation established.',
  );
  if (card.queries.length === 0) {
    parts.push('This module declares no query types; answer plain questions briefly.');
  } else {
    parts.push('Query types you answer:');
    for (const q of card.queries) {
      const lines = [`## ${q.schema} -> ${q.responseSchemaId}`];
      if (q.description) lines.push(q.description);
      lines.push('Request body JSON Schema:', '```json', JSON.stringify(q.requestSchema, null, 2), '```');
      lines.push(`Reply body (${q.responseSchemaId}) JSON Schema:`, '```json', JSON.stringify(q.responseSchema, null, 2), '```');
      parts.push(lines.join('\n'));
    }
  }
  parts.push(
    [
      'Rules:',
      '- When a structured answer is required, give exactly one value that validates against the reply schema; no extra fields unless the schema allows them.',
      '- If your answer is rejected with validation errors, correct exactly those fields and answer again.',
      '- Never invent facts you were not given; use the schema defaults or empty values where you do not know.',
    ].join('\n'),
  );
  return parts.join('\n\n');
}

/** The prompt of an instance given only a module name (no card). */
export function genericSystemPrompt(module: string): string {
  return `You are the background instance of the module "${module}" on the claude-comms message bus. Answer requests addressed to this module precisely and briefly.`;
}
