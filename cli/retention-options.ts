import type { Argv } from 'yargs';
import type { RetentionPolicy } from '../storage/index.ts';
import { positiveInteger } from './flag-values.ts';

/**
 * `--retention-days N` (alias `--retain-days`) and `--max-db-mb M`, shared by `comms up` and
 * `comms recorder` (docs/storage.md, Retention). Whole numbers of 1 or more, else E_USAGE.
 */
export function withRetention<T>(y: Argv<T>, defaultDays: number | undefined) {
  return y
    .option('retention-days', {
      alias: 'retain-days',
      coerce: positiveInteger('--retention-days'),
      ...(defaultDays !== undefined ? { default: defaultDays } : {}),
      describe: 'delete recorded messages and ended conversations older than this many days',
    })
    .option('max-db-mb', { coerce: positiveInteger('--max-db-mb'), describe: 'keep the recorder database under this many MB, deleting the oldest ended records first' });
}

/** The recorder's retention policy from those flags, or undefined when neither limit is set. */
export function retentionPolicy(argv: { retentionDays?: number; maxDbMb?: number }): RetentionPolicy | undefined {
  const policy: RetentionPolicy = {
    ...(argv.retentionDays !== undefined ? { maxAgeMs: argv.retentionDays * 86_400_000 } : {}),
    ...(argv.maxDbMb !== undefined ? { maxBytes: argv.maxDbMb * 1024 * 1024 } : {}),
  };
  return policy.maxAgeMs === undefined && policy.maxBytes === undefined ? undefined : policy;
}
