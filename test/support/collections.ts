import { expect } from 'chai';
import type { Collections } from '../../ingest/index.ts';

/** ArangoDB's _key alphabet and length. */
export const KEY = /^[a-zA-Z0-9_\-:.@()+,=;$!*'%]{1,254}$/;

/** Every key valid and unique per collection, every edge's _from and _to an existing vertex. */
export function checkIntegrity(c: Collections): void {
  const ids = new Set<string>();
  for (const name of ['documents', 'sections', 'blocks'] as const) {
    const keys = new Set<string>();
    for (const r of c[name]) {
      expect(r._key).to.match(KEY);
      expect(keys.has(r._key), `duplicate ${name}/${r._key}`).to.equal(false);
      keys.add(r._key);
      ids.add(`${name}/${r._key}`);
    }
  }
  for (const name of ['contains', 'next', 'references'] as const) {
    const keys = new Set<string>();
    for (const e of c[name]) {
      expect(e._key).to.match(KEY);
      expect(keys.has(e._key), `duplicate ${name}/${e._key}`).to.equal(false);
      keys.add(e._key);
      expect(ids.has(e._from), `${name} ${e._key} from ${e._from}`).to.equal(true);
      expect(ids.has(e._to), `${name} ${e._key} to ${e._to}`).to.equal(true);
    }
  }
}
