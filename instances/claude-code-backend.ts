/**
 * The Claude Code backend: one long-lived `claude -p --input-format stream-json
 * --output-format stream-json --verbose` process per backend. User messages are written as
 * stream-json lines; `system` (init), `assistant`, `stream_event` and `result` lines are read
 * back. The process keeps the conversation; after a restart it is resumed with
 * `--resume <sessionId>`. If the session cannot be resumed, a fresh session is started and told
 * the stored history as a transcript.
 *
 * Claude Code cannot be forced to call a tool with a schema, so structured answers are asked for
 * in words (the JSON Schema is appended to the message) and parsed from the answer text.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CommsError } from '../protocol/index.ts';
import { jsonInText } from './json-in-text.ts';
import type { ModelBackend, ModelReply, ModelRequest, ModelUsage } from './model-backend.ts';
import type { JsonSchemaObject } from './module-card.ts';
import type { Turn } from './turn.ts';

export interface ClaudeCodeBackendOptions {
  /** Path or name of the executable. Default: CLAUDE_BIN (from `env`, then process.env), else `claude` on PATH. */
  executable?: string;
  /** Passed as --model when set. Default: COMMS_MODEL when set. */
  model?: string;
  /** A session to resume on the first send (e.g. kept from an earlier run). */
  sessionId?: string;
  /** More CLI arguments, e.g. ['--disallowedTools', 'Bash']. */
  extraArgs?: readonly string[];
  cwd?: string;
  /** Added to the child's environment (which otherwise is process.env). */
  env?: NodeJS.ProcessEnv;
  /** Longest wait for one answer before the process is killed. Default 600 000 ms. */
  turnTimeoutMs?: number;
}

interface OpenTurn {
  child: ChildProcess;
  settle: (outcome: { reply: ModelReply } | { error: CommsError; beforeOutput: boolean }) => void;
  onLine: (line: StreamJsonLine) => void;
}

/** The fields of Claude Code's stream-json output lines that this backend reads. */
interface StreamJsonLine {
  type?: string;
  subtype?: string;
  session_id?: string;
  is_error?: boolean;
  result?: string;
  message?: { content?: Array<{ type?: string; text?: string }> };
  event?: { type?: string; delta?: { type?: string; text?: string } };
  usage?: {
    input_tokens?: number;
    output_tokens?: number;
    cache_creation_input_tokens?: number;
    cache_read_input_tokens?: number;
  };
}

const JSON_INSTRUCTION = 'Answer with only a JSON value (no prose, no code fence) that validates against this JSON Schema';

export class ClaudeCodeBackend implements ModelBackend {
  readonly kind = 'claude-code' as const;
  readonly executable: string;
  private readonly opts: ClaudeCodeBackendOptions;
  private proc: ChildProcess | undefined;
  private procHadOutput = false;
  private stderrTail = '';
  private open: OpenTurn | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private session: string | undefined;

  constructor(opts: ClaudeCodeBackendOptions = {}) {
    this.opts = opts;
    this.executable = opts.executable ?? opts.env?.CLAUDE_BIN ?? process.env.CLAUDE_BIN ?? 'claude';
    this.session = opts.sessionId;
  }

  /** The Claude Code session the conversation lives in, once known. */
  get sessionId(): string | undefined {
    return this.session;
  }

  /** Process id of the running `claude` process, if any. */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  send(req: ModelRequest): Promise<ModelReply> {
    const run = this.chain.then(() => this.turn(req));
    this.chain = run.catch(() => undefined);
    return run;
  }

  async health(): Promise<boolean> {
    if (this.closed) return false;
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) return true;
    return new Promise((resolve) => {
      const child = spawn(this.executable, ['--version'], { cwd: this.opts.cwd, env: this.childEnv(), stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      timer.unref();
      child.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0);
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  private async turn(req: ModelRequest): Promise<ModelReply> {
    if (this.closed) throw new CommsError('E_MODEL_UNAVAILABLE', 'The claude-code backend is closed.');
    if (req.signal?.aborted) throw new CommsError('E_CANCELED', 'The model request was aborted.');
    const wanted = req.sessionId ?? this.session;
    if (this.proc && wanted !== undefined && this.session !== undefined && wanted !== this.session) await this.stop();
    let resuming = false;
    if (!this.proc) {
      this.start(req.system, wanted);
      this.session = wanted;
      resuming = wanted !== undefined;
    }
    const withContext = this.session !== undefined;
    const outcome = await this.exchange(messageText(req.messages, withContext, req.schema, req.schemaId), req);
    if ('reply' in outcome) return outcome.reply;
    if (resuming && outcome.beforeOutput && !req.signal?.aborted) {
      // The session could not be resumed (unknown id, expired): start over with the transcript.
      this.session = undefined;
      this.start(req.system, undefined);
      const retry = await this.exchange(messageText(req.messages, false, req.schema, req.schemaId), req);
      if ('reply' in retry) return retry.reply;
      throw retry.error;
    }
    throw outcome.error;
  }

  private childEnv(): NodeJS.ProcessEnv {
    return { ...process.env, ...this.opts.env };
  }

  private start(system: string, resume: string | undefined): void {
    const args = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];
    if (resume !== undefined) args.push('--resume', resume);
    const model = this.opts.model ?? process.env.COMMS_MODEL;
    if (model) args.push('--model', model);
    if (system) args.push('--append-system-prompt', system);
    args.push(...(this.opts.extraArgs ?? []));

    const child = spawn(this.executable, args, { cwd: this.opts.cwd, env: this.childEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc = child;
    this.procHadOutput = false;
    this.stderrTail = '';
    child.stdin?.on('error', () => {
      // EPIPE when the process died; reported through 'exit'.
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (raw) => {
      if (this.proc !== child) return;
      let line: StreamJsonLine;
      try {
        line = JSON.parse(raw) as StreamJsonLine;
      } catch {
        return; // not a protocol line (e.g. a warning printed to stdout)
      }
      this.procHadOutput = true;
      if (typeof line.session_id === 'string' && line.session_id !== '') this.session = line.session_id;
      this.open?.onLine(line);
    });
    const onGone = (error: CommsError): void => {
      if (this.proc === child) this.proc = undefined;
      if (this.open?.child === child) this.open.settle({ error, beforeOutput: !this.procHadOutput });
    };
    child.on('error', (err) => {
      onGone(
        new CommsError('E_MODEL_UNAVAILABLE', `Could not start ${this.executable}: ${err.message}. Install Claude Code or set CLAUDE_BIN.`, {
          executable: this.executable,
        }),
      );
    });
    child.on('exit', (code, signal) => {
      onGone(
        new CommsError('E_MODEL_UNAVAILABLE', `${this.executable} exited (${signal ?? `code ${code}`}) before answering.`, {
          code,
          signal,
          stderr: this.stderrTail.trim(),
        }),
      );
    });
  }

  private exchange(
    text: string,
    req: ModelRequest,
  ): Promise<{ reply: ModelReply } | { error: CommsError; beforeOutput: boolean }> {
    const child = this.proc;
    return new Promise((resolve) => {
      let done = false;
      let streamed = false;
      const timeoutMs = this.opts.turnTimeoutMs ?? 600_000;
      const finish = (outcome: { reply: ModelReply } | { error: CommsError; beforeOutput: boolean }): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        this.open = undefined;
        resolve(outcome);
      };
      const kill = (): void => {
        if (this.proc === child) this.proc = undefined;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        // No longer tracked (close() will not stop it), so one that ignores SIGTERM must not linger.
        const hard = setTimeout(() => child.kill('SIGKILL'), 3_000);
        hard.unref();
        child.once('exit', () => clearTimeout(hard));
      };
      const onAbort = (): void => {
        kill();
        finish({ error: new CommsError('E_CANCELED', 'The model request was aborted.'), beforeOutput: false });
      };
      const timer = setTimeout(() => {
        kill();
        finish({
          error: new CommsError('E_MODEL_UNAVAILABLE', `No answer from ${this.executable} within ${timeoutMs} ms.`, { reason: 'timeout' }),
          beforeOutput: false,
        });
      }, timeoutMs);
      timer.unref();
      req.signal?.addEventListener('abort', onAbort, { once: true });

      if (!child || child.exitCode !== null || child.signalCode !== null) {
        finish({ error: new CommsError('E_MODEL_UNAVAILABLE', `${this.executable} is not running.`), beforeOutput: true });
        return;
      }
      this.open = {
        child,
        settle: finish,
        onLine: (line) => {
          if (line.type === 'stream_event' && line.event?.type === 'content_block_delta' && line.event.delta?.type === 'text_delta') {
            streamed = true;
            if (line.event.delta.text) req.onText?.(line.event.delta.text);
          } else if (line.type === 'assistant' && !streamed) {
            for (const block of line.message?.content ?? []) {
              if (block.type === 'text' && block.text) req.onText?.(block.text);
            }
          } else if (line.type === 'result') {
            if (line.is_error || (line.subtype !== undefined && line.subtype !== 'success')) {
              finish({
                error: new CommsError('E_MODEL_UNAVAILABLE', `Claude Code reported ${line.subtype ?? 'an error'}: ${line.result ?? ''}`.trim(), {
                  subtype: line.subtype ?? null,
                  result: line.result ?? null,
                }),
                beforeOutput: false,
              });
              return;
            }
            const answer = line.result ?? '';
            const reply: ModelReply = { text: answer };
            if (this.session !== undefined) reply.sessionId = this.session;
            const usage = toUsage(line.usage);
            if (usage) reply.usage = usage;
            if (req.schema) {
              const found = jsonInText(answer);
              if (found) reply.structured = found.value;
            }
            finish({ reply });
          }
        },
      };
      const line = { type: 'user', message: { role: 'user', content: [{ type: 'text', text }] } };
      child.stdin?.write(`${JSON.stringify(line)}\n`);
    });
  }

  private async stop(): Promise<void> {
    const child = this.proc;
    this.proc = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    timer.unref();
    await exited;
    clearTimeout(timer);
  }
}

/**
 * The text written to the process: the user turns after the last answer. Without a session
 * that knows the earlier turns, they are included as a transcript first.
 */
function messageText(messages: readonly Turn[], sessionKnowsHistory: boolean, schema: JsonSchemaObject | undefined, schemaId: string | undefined): string {
  let lastAnswer = -1;
  messages.forEach((t, i) => {
    if (t.role === 'assistant') lastAnswer = i;
  });
  const fresh = messages
    .slice(lastAnswer + 1)
    .map((t) => t.content)
    .join('\n\n');
  const earlier = messages.slice(0, lastAnswer + 1);
  let text = fresh;
  if (!sessionKnowsHistory && earlier.length > 0) {
    const transcript = earlier.map((t) => `${t.role === 'user' ? 'User' : 'Assistant'}: ${t.content}`).join('\n\n');
    text = `(The conversation so far, restored from storage:)\n\n${transcript}\n\n(New message:)\n\n${fresh}`;
  }
  if (schema) {
    text += `\n\n${JSON_INSTRUCTION}${schemaId ? ` (a ${schemaId} body)` : ''}:\n${JSON.stringify(schema)}`;
  }
  return text;
}

function toUsage(usage: StreamJsonLine['usage']): ModelUsage | undefined {
  if (!usage) return undefined;
  const out: ModelUsage = { inputTokens: usage.input_tokens ?? 0, outputTokens: usage.output_tokens ?? 0 };
  if (usage.cache_creation_input_tokens !== undefined) out.cacheCreationInputTokens = usage.cache_creation_input_tokens;
  if (usage.cache_read_input_tokens !== undefined) out.cacheReadInputTokens = usage.cache_read_input_tokens;
  return out;
}
