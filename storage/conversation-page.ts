/** Filters of one page of the conversation history (conversation.list.query@1). */
export interface ConversationPageFilter {
  /** Requester or responder. */
  module?: string;
  state?: string;
  /** Case-insensitive substring of the id, query, stage, requester, responder or error code. */
  text?: string;
  /** Queries left out of the listing, e.g. the history queries a dashboard itself sends to the recorder. */
  excludeQueries?: readonly string[];
  offset: number;
  limit: number;
}

const TEXT_COLUMNS = ['id', 'query', 'stage', 'requester', 'responder', 'error_code'];

/** `LIKE` treats % and _ as wildcards: escape them so the text is matched literally. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The WHERE clause (or '') and its named parameters for a page filter; values are always bound, never spliced. */
export function conversationPageWhere(filter: ConversationPageFilter): { where: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.state) (clauses.push('state = @state'), (params.state = filter.state));
  if (filter.module) (clauses.push('(requester = @module OR responder = @module)'), (params.module = filter.module));
  if (filter.text) {
    clauses.push(`(${TEXT_COLUMNS.map((c) => `lower(COALESCE(${c}, '')) LIKE @text ESCAPE '\\'`).join(' OR ')})`);
    params.text = likePattern(filter.text);
  }
  const excluded = filter.excludeQueries ?? [];
  if (excluded.length > 0) {
    const names = excluded.map((_, i) => `@x${i}`);
    excluded.forEach((q, i) => (params[`x${i}`] = q));
    clauses.push(`(query IS NULL OR query NOT IN (${names.join(', ')}))`);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
