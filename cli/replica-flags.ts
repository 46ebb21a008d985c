import type { ReplicaCounts } from '../system/index.ts';
import { usage } from './flag-values.ts';

const EXAMPLE = 'for example --replicas marker=3 --replicas arangodb=2 (with --url naming a mosquitto broker)';

/** One `--replicas` value as given, for the error message. */
type ReplicaFlag = { module: string; count: number; text: string };

const notValid = (text: string, modules?: readonly string[]) =>
  usage(`--replicas ${JSON.stringify(text)} is not MODULE=N with MODULE ${modules ? `one of ${modules.join(', ')}` : 'a module name'} and N a whole number of 1 or more.`, EXAMPLE);

/**
 * `--replicas MODULE=N` (repeatable), read when yargs parses the flags: the form only. Which modules
 * may have replicas is the system's to say, and the system loads only once `comms up` runs, so
 * `replicaCountsFor` checks the names there.
 */
export function replicaFlags(values: unknown): ReplicaFlag[] | undefined {
  if (values === undefined) return undefined;
  return [values].flat().map((value) => {
    const text = String(value);
    const [module = '', count, extra] = text.split('=');
    const n = Number(count);
    if (extra !== undefined || module === '' || !Number.isInteger(n) || n < 1) throw notValid(text);
    return { module, count: n, text };
  });
}

/** The flags as counts per module; a module that may not have replicas is E_USAGE naming the value. */
export function replicaCountsFor(flags: ReplicaFlag[] | undefined, replicable: readonly string[]): ReplicaCounts | undefined {
  if (flags === undefined) return undefined;
  const counts: Record<string, number> = {};
  for (const { module, count, text } of flags) {
    if (!replicable.includes(module)) throw notValid(text, replicable);
    counts[module] = count;
  }
  return counts as ReplicaCounts;
}
