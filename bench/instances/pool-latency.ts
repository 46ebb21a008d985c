/**
 * What pooling buys (issue 11 §2): the first answer of a cold instance (the pool opens it: backend,
 * store record, for claude-code a new `claude` process) against the next answer of a warm pooled
 * one, for the Messages API (the loopback server of test/fixtures, speaking SSE) and the stand-in
 * `claude` CLI (test/fixtures/bin/claude). Time to first token (first streamed text) and per-turn
 * latency (whole answer), medians over the trials.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InstancePool, MemoryInstanceStore, type BackgroundInstanceOptions } from '../../instances/index.ts';
import { MessagesApiServer } from '../../test/fixtures/messages-api-server.ts';
import { percentile } from '../bus/support.ts';

const FAKE_CLAUDE = fileURLToPath(new URL('../../test/fixtures/bin/claude', import.meta.url));

export interface TurnTiming {
  firstTokenMs: number;
  turnMs: number;
}

export interface BackendLatency {
  backend: string;
  cold: TurnTiming;
  warm: TurnTiming;
  trials: { cold: number; warm: number };
}

export interface PoolLatencyOptions {
  /** Cold starts per backend (each a new pool). Default 3. */
  coldTrials?: number;
  /** Warm turns per backend on one pooled instance. Default 10. */
  warmTrials?: number;
}

async function timedTurn(pool: InstancePool, prompt: string): Promise<TurnTiming> {
  const t0 = performance.now();
  let first: number | undefined;
  await pool.send(prompt, { onText: () => (first ??= performance.now()) });
  const end = performance.now();
  return { firstTokenMs: (first ?? end) - t0, turnMs: end - t0 };
}

function median(samples: TurnTiming[]): TurnTiming {
  return { firstTokenMs: percentile(samples.map((s) => s.firstTokenMs), 50), turnMs: percentile(samples.map((s) => s.turnMs), 50) };
}

async function measure(backend: string, instance: Omit<BackgroundInstanceOptions, 'id'>, opts: Required<PoolLatencyOptions>): Promise<BackendLatency> {
  const cold: TurnTiming[] = [];
  const warm: TurnTiming[] = [];
  for (let i = 0; i < opts.coldTrials; i++) {
    const pool = new InstancePool({ module: 'bench', maxSize: 1, healthIntervalMs: 0, instance: { ...instance, store: new MemoryInstanceStore() } });
    try {
      cold.push(await timedTurn(pool, `cold ${i}`));
      // The last cold pool's instance, now open and idle, gives the warm turns.
      if (i === opts.coldTrials - 1) for (let k = 0; k < opts.warmTrials; k++) warm.push(await timedTurn(pool, `warm ${k}`));
    } finally {
      await pool.close();
    }
  }
  return { backend, cold: median(cold), warm: median(warm), trials: { cold: cold.length, warm: warm.length } };
}

export async function poolLatency(options: PoolLatencyOptions = {}): Promise<BackendLatency[]> {
  const opts = { coldTrials: options.coldTrials ?? 3, warmTrials: options.warmTrials ?? 10 };
  const api = await MessagesApiServer.start();
  const sessions = mkdtempSync(join(tmpdir(), 'comms-bench-claude-'));
  try {
    const anthropic = await measure('anthropic (loopback Messages API, SSE)', { backend: 'anthropic', backendOptions: { anthropic: { apiKey: 'bench', baseURL: api.url, maxRetries: 0, model: 'claude-bench', env: {} } } }, opts);
    const claudeCode = await measure(
      'claude-code (stand-in claude CLI)',
      { backend: 'claude-code', backendOptions: { claudeCode: { executable: FAKE_CLAUDE, env: { ...process.env, FAKE_CLAUDE_DIR: sessions } } } },
      opts,
    );
    return [anthropic, claudeCode];
  } finally {
    await api.close();
    rmSync(sessions, { recursive: true, force: true });
  }
}
