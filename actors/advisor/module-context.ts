import type { Logger } from '../../logging/index.ts';
import { decodeEnvelope, parseTopic, Topics, type ConversationListAnswer, type ModuleCard } from '../../protocol/index.ts';
import type { Actor, HandlerContext } from '../runtime/index.ts';

/** The recorder answers history queries; the advisor asks it only while it is online. */
const RECORDER = 'recorder';

export interface ModuleContext {
  /** Text appended to the instance's system prompt for one request. */
  text: string;
  /** Recorded conversations that went into it. */
  conversations: number;
}

/**
 * What the advisor knows about other modules: their retained cards (kept from the card topics)
 * and, per request, their recent conversations asked of the recorder, rendered as a system-prompt
 * section. Without a recorder online the section says that no history was available.
 */
export class ModuleDirectory {
  private readonly cards = new Map<string, ModuleCard>();
  private readonly online = new Set<string>();

  constructor(actor: Actor, private readonly log: Logger) {
    actor.subscribe(Topics.filters.allCards, (topic, payload) => this.acceptCard(topic, payload));
    actor.on('peer-status', (module, state) => (state === 'online' ? this.online.add(module) : this.online.delete(module)));
  }

  card(module: string): ModuleCard | undefined {
    return this.cards.get(module);
  }

  /** The card and the `limit` most recent conversations of `module`, as a prompt section. */
  async contextFor(module: string | undefined, limit: number, ctx: HandlerContext): Promise<ModuleContext> {
    if (module === undefined) return { text: `Modules on the bus: ${[...this.cards.keys()].sort().join(', ') || 'none known'}.`, conversations: 0 };
    const card = this.cards.get(module);
    const cardText = card ? `Card of module ${module}:\n\`\`\`json\n${JSON.stringify(cardSummary(card), null, 2)}\n\`\`\`` : `Module ${module} has published no card: it is unknown to the bus.`;
    const history = await this.history(module, limit, ctx);
    return { text: `${cardText}\n\n${history.text}`, conversations: history.count };
  }

  private async history(module: string, limit: number, ctx: HandlerContext): Promise<{ text: string; count: number }> {
    if (limit === 0) return { text: 'No conversation history was requested.', count: 0 };
    if (!this.online.has(RECORDER)) return { text: 'No conversation history is available: the recorder is not online.', count: 0 };
    try {
      const page = await ctx.ask<ConversationListAnswer>(RECORDER, 'conversation.list.query@1', { module, offset: 0, limit }, { timeoutMs: 10_000 });
      const lines = page.conversations.map(
        (c) => `- ${c.startedAt} ${c.query ?? '?'} ${c.requester ?? '?'} -> ${c.responder ?? '?'}: ${c.state}${c.error ? ` (${c.error.code}: ${c.error.message})` : ''}`,
      );
      return { text: `Recent conversations of ${module} (newest first, ${page.total} recorded in all):\n${lines.join('\n') || '(none)'}`, count: lines.length };
    } catch (err) {
      this.log.warn({ err, module }, 'conversation history unavailable');
      return { text: 'No conversation history is available: the recorder did not answer.', count: 0 };
    }
  }

  private acceptCard(topic: string, payload: Buffer): void {
    const module = parseTopic(topic)?.subject;
    if (!module) return;
    if (payload.length === 0) {
      this.cards.delete(module);
      return;
    }
    try {
      this.cards.set(module, decodeEnvelope(payload, { schema: 'module.card@1' }).body as ModuleCard);
    } catch (err) {
      this.log.warn({ err, topic }, 'unreadable module card');
    }
  }
}

/** The card without its JSON Schemas (long, and the query names and descriptions say enough for a question). */
function cardSummary(card: ModuleCard): Record<string, unknown> {
  return {
    name: card.name,
    version: card.version,
    description: card.description,
    backend: card.backend,
    queries: card.queries.map((q) => ({ schema: q.schema, responseSchemaId: q.responseSchemaId, description: q.description })),
  };
}
