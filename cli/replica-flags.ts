import { REPLICABLE_MODULES, type ReplicableModule, type ReplicaCounts } from '../system/index.ts';
import { usage } from './flag-values.ts';

const EXAMPLE = 'for example --replicas marker=3 --replicas arangodb=2 (with --url naming a mosquitto broker)';

/** `--replicas MODULE=N` (repeatable) as counts per module; anything else is E_USAGE naming the value. */
export function replicaCounts(values: unknown): ReplicaCounts | undefined {
  if (values === undefined) return undefined;
  const counts: ReplicaCounts = {};
  for (const value of [values].flat()) {
    const [module, count, extra] = String(value).split('=');
    const n = Number(count);
    if (extra !== undefined || !REPLICABLE_MODULES.includes(module as ReplicableModule) || !Number.isInteger(n) || n < 1) {
      throw usage(`--replicas ${JSON.stringify(String(value))} is not MODULE=N with MODULE one of ${REPLICABLE_MODULES.join(', ')} and N a whole number of 1 or more.`, EXAMPLE);
    }
    counts[module as ReplicableModule] = n;
  }
  return counts;
}
