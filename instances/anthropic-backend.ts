/**
 * The Messages API backend (@anthropic-ai/sdk): streams every answer, caches the system prompt
 * and the conversation prefix (cache_control ephemeral), forces structured output through one
 * tool whose input_schema is the answer's schema, and lets the SDK retry 408/409/429/5xx/529
 * honouring `retry-after` / `retry-after-ms`.
 */
import Anthropic, { APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { CommsError } from '../protocol/index.ts';
import type { ModelBackend, ModelReply, ModelRequest, ModelUsage } from './model-backend.ts';
import type { JsonSchemaObject } from './module-card.ts';
import type { Turn } from './turn.ts';

export const DEFAULT_MODEL = 'claude-sonnet-4-5';

export interface AnthropicBackendOptions {
  /** Default: ANTHROPIC_API_KEY. */
  apiKey?: string;
  /** Default: ANTHROPIC_BASE_URL, else the SDK's (https://api.anthropic.com). */
  baseURL?: string;
  /** Default: COMMS_MODEL, else `claude-sonnet-4-5`. */
  model?: string;
  /** Default 4096. */
  maxTokens?: number;
  /** Per attempt, until the response starts (SDK semantics). Default 120 000 ms. */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx/529, waiting as `retry-after` says, else with backoff. Default 4. */
  maxRetries?: number;
  /** Timeout of the health probe (GET /v1/models, no retries). Default 5 000 ms. */
  healthTimeoutMs?: number;
  temperature?: number;
  /** Environment to read defaults from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

type MessageParam = Anthropic.Messages.MessageParam;
type TextBlockParam = Anthropic.Messages.TextBlockParam;
type Tool = Anthropic.Messages.Tool;

const CACHE = { type: 'ephemeral' } as const;

export class AnthropicBackend implements ModelBackend {
  readonly kind = 'anthropic' as const;
  readonly model: string;
  private readonly client: Anthropic;
  private readonly maxTokens: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly healthTimeoutMs: number;
  private readonly temperature: number | undefined;

  constructor(opts: AnthropicBackendOptions = {}) {
    const env = opts.env ?? process.env;
    this.model = opts.model ?? env.COMMS_MODEL ?? DEFAULT_MODEL;
    this.maxTokens = opts.maxTokens ?? 4096;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.maxRetries = opts.maxRetries ?? 4;
    this.healthTimeoutMs = opts.healthTimeoutMs ?? 5_000;
    this.temperature = opts.temperature;
    const apiKey = opts.apiKey ?? env.ANTHROPIC_API_KEY;
    if (!apiKey) {
      throw new CommsError('E_CONFIG_INVALID', 'The anthropic backend needs ANTHROPIC_API_KEY (or the apiKey option).');
    }
    const baseURL = opts.baseURL ?? env.ANTHROPIC_BASE_URL;
    this.client = new Anthropic({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      maxRetries: this.maxRetries,
      timeout: this.timeoutMs,
    });
  }

  async send(req: ModelRequest): Promise<ModelReply> {
    const tool = req.schema ? answerTool(req.schema, req.schemaId) : undefined;
    const params: Anthropic.Messages.MessageStreamParams = {
      model: this.model,
      max_tokens: this.maxTokens,
      system: [{ type: 'text', text: req.system, cache_control: CACHE }],
      messages: toMessageParams(req.messages),
      ...(this.temperature === undefined ? {} : { temperature: this.temperature }),
      ...(tool ? { tools: [tool.definition], tool_choice: { type: 'tool', name: tool.definition.name } } : {}),
    };
    try {
      const stream = this.client.messages.stream(params, {
        ...(req.signal ? { signal: req.signal } : {}),
        timeout: this.timeoutMs,
        maxRetries: this.maxRetries,
      });
      const onText = req.onText;
      if (onText) stream.on('text', (delta) => onText(delta));
      const message = await stream.finalMessage();
      let text = '';
      let structured: unknown;
      for (const block of message.content) {
        if (block.type === 'text') text += block.text;
        else if (block.type === 'tool_use' && tool && block.name === tool.definition.name) {
          structured = tool.unwrap(block.input);
        }
      }
      const reply: ModelReply = { text, usage: toUsage(message.usage) };
      if (structured !== undefined) reply.structured = structured;
      return reply;
    } catch (err) {
      throw toBackendError(err, req.signal);
    }
  }

  async health(): Promise<boolean> {
    try {
      await this.client.models.list({ limit: 1 }, { maxRetries: 0, timeout: this.healthTimeoutMs });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // The SDK holds no connections of its own beyond fetch's keep-alive pool.
  }
}

/**
 * History as Messages API params. The last message's last block carries cache_control, so the
 * whole prefix (system + history) is cached and the next request reads it back.
 */
export function toMessageParams(turns: readonly Turn[]): MessageParam[] {
  return turns.map((turn, i) => {
    const block: TextBlockParam = { type: 'text', text: turn.content };
    if (i === turns.length - 1) block.cache_control = CACHE;
    return { role: turn.role, content: [block] };
  });
}

/** Builds the single answer tool; a non-object schema is wrapped as `{ value }` (input_schema must be an object). */
function answerTool(schema: JsonSchemaObject, schemaId: string | undefined): {
  definition: Tool;
  unwrap: (input: unknown) => unknown;
} {
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  const name = schemaId ? `answer_${schemaId.replace(/[^a-zA-Z0-9_-]/g, '_')}`.slice(0, 64) : 'answer';
  const description = `Give your answer${schemaId ? ` (a ${schemaId} body)` : ''} as this tool's input. It must validate against the input schema.`;
  if (plain.type === 'object') {
    return {
      definition: { name, description, input_schema: plain as Tool['input_schema'] },
      unwrap: (input) => input,
    };
  }
  return {
    definition: {
      name,
      description,
      input_schema: { type: 'object', properties: { value: plain }, required: ['value'] },
    },
    unwrap: (input) => (typeof input === 'object' && input !== null ? (input as { value?: unknown }).value : undefined),
  };
}

function toUsage(usage: Anthropic.Messages.Usage): ModelUsage {
  const out: ModelUsage = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens };
  if (usage.cache_creation_input_tokens != null) out.cacheCreationInputTokens = usage.cache_creation_input_tokens;
  if (usage.cache_read_input_tokens != null) out.cacheReadInputTokens = usage.cache_read_input_tokens;
  return out;
}

function toBackendError(err: unknown, signal: AbortSignal | undefined): CommsError {
  if (err instanceof CommsError) return err;
  if (err instanceof APIUserAbortError || signal?.aborted) {
    return new CommsError('E_CANCELED', 'The model request was aborted.', undefined, { cause: err });
  }
  if (err instanceof APIConnectionTimeoutError) {
    return new CommsError('E_MODEL_UNAVAILABLE', 'The model request timed out after all retries.', { reason: 'timeout' }, { cause: err });
  }
  if (err instanceof APIError) {
    const details = {
      status: err.status ?? null,
      type: err.type ?? null,
      message: err.apiMessage ?? err.message,
      requestId: err.requestID ?? null,
    };
    return new CommsError(
      'E_MODEL_UNAVAILABLE',
      `The Messages API failed${err.status ? ` with ${err.status}` : ''}${err.type ? ` (${err.type})` : ''}: ${details.message}`,
      details,
      { cause: err },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CommsError('E_MODEL_UNAVAILABLE', `The model request failed: ${message}`, undefined, { cause: err });
}
