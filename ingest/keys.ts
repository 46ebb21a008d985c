import { createHash } from 'node:crypto';

/** ArangoDB `_key`: at most 254 bytes of [a-zA-Z0-9_-:.@()+,=;$!*'%]. */
const MAX_KEY = 254;

export function sanitizeKey(raw: string): string {
  let key = raw.replace(/^\/+/, '').replace(/\//g, '-').replace(/[^a-zA-Z0-9_\-:.@()+,=;$!*'%]/g, '_');
  // `.` and `..` are legal key characters but the key also names the JSONL folder
  // (`{outDir}/{documentKey}/`): a key of dots only would write into outDir or its parent.
  if (/^\.*$/.test(key)) key = key === '' ? '_' : key.replace(/\./g, '_');
  if (Buffer.byteLength(key) > MAX_KEY) {
    // Keep a readable prefix and make the tail unique.
    const hash = createHash('sha256').update(raw).digest('hex').slice(0, 16);
    key = `${key.slice(0, MAX_KEY - 17)}_${hash}`;
  }
  return key;
}
