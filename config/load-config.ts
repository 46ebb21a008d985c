import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { CommsError } from '../protocol/index.ts';
import { ADVISOR_QUERIES, CommsConfig, type ConfigModule } from './comms-config.ts';
import { DEFAULT_CONFIG } from './default-config.ts';

export const DEFAULT_CONFIG_FILE = 'comms.config.json';

export interface LoadedConfig {
  config: CommsConfig;
  /** The file read, or 'built-in defaults'. */
  source: string;
}

const check = TypeCompiler.Compile(CommsConfig);

/**
 * The configuration `comms up` uses: `file` when given (it must exist), else ./comms.config.json
 * when present, else the built-in defaults (the advisor). Throws E_CONFIG_INVALID naming the file
 * and the JSON path of every problem.
 */
export function loadCommsConfig(file: string | undefined, cwd = process.cwd()): LoadedConfig {
  const path = resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
  if (file === undefined && !existsSync(path)) return { config: DEFAULT_CONFIG, source: 'built-in defaults' };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CommsError('E_CONFIG_INVALID', `cannot read the config file ${path}: ${(err as Error).message}. Give an existing file with --config.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CommsError('E_CONFIG_INVALID', `${path} is not JSON: ${(err as Error).message}.`);
  }
  return { config: parseCommsConfig(value, path), source: path };
}

/** Validates a parsed config; `where` names it in errors. */
export function parseCommsConfig(value: unknown, where = 'config'): CommsConfig {
  const problems = schemaProblems(value);
  if (problems.length === 0) problems.push(...semanticProblems(value as CommsConfig));
  if (problems.length > 0) {
    throw new CommsError('E_CONFIG_INVALID', `${where} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { problems });
  }
  return value as CommsConfig;
}

interface ConfigProblem {
  /** JSON path, e.g. `modules[0].pool.size`. */
  path: string;
  message: string;
}

/** `/modules/0/pool` -> `modules[0].pool`: the form a reader finds in the file. */
export function jsonPath(pointer: string): string {
  const segments = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const s of segments) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return out || '(top level)';
}

function schemaProblems(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of check.Errors(value)) {
    const path = jsonPath(e.path);
    const message = messageOf(e);
    const key = `${path}: ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ path, message });
    if (problems.length >= 20) break;
  }
  return problems;
}

function messageOf(e: ValueError): string {
  if (e.type === ValueErrorType.ObjectAdditionalProperties) return 'unknown key (check the spelling; docs/instances.md lists the keys)';
  const members = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (e.type === ValueErrorType.Union && members?.every((m) => m.const !== undefined)) {
    return `${JSON.stringify(e.value)} is not one of ${members.map((m) => JSON.stringify(m.const)).join(', ')}`;
  }
  return e.message;
}

/** What the schema cannot say: unique names, the advisor's query names, instance modules' queries. */
function semanticProblems(config: CommsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Set<string>();
  config.modules.forEach((m, i) => {
    const at = `modules[${i}]`;
    if (names.has(m.name)) problems.push({ path: `${at}.name`, message: `module ${m.name} is declared twice` });
    names.add(m.name);
    problems.push(...queryProblems(m, at));
  });
  return problems;
}

function queryProblems(m: ConfigModule, at: string): ConfigProblem[] {
  const queries = m.queries ?? [];
  if (m.kind === 'advisor') {
    return queries.flatMap((q, k) =>
      typeof q === 'string' && (ADVISOR_QUERIES as readonly string[]).includes(q)
        ? []
        : [{ path: `${at}.queries[${k}]`, message: `the advisor answers ${ADVISOR_QUERIES.join(' and ')}; use one of those names` }],
    );
  }
  if (queries.length === 0) return [{ path: `${at}.queries`, message: 'an instance module needs at least one query object (schema, description, request, responseSchemaId, response)' }];
  return queries.flatMap((q, k) => (typeof q === 'string' ? [{ path: `${at}.queries[${k}]`, message: 'an instance module declares each query as an object with its JSON Schemas, not a name' }] : []));
}
