/**
 * Dump `extractPdf`'s output for every PDF of a folder to one JSON file each, so a change to the
 * extractor can be checked for output changes with `diff -r BEFORE AFTER`.
 *
 * Usage: npx tsx scripts/dump-extraction.ts CORPUS_DIR OUT_DIR [--workers N]
 * Passwords for encrypted files come from CORPUS_DIR/MANIFEST.tsv (as in bench/pdf.ts). A file
 * that fails is dumped as its error code, so a change in which files fail shows up too.
 */
import { mkdirSync, readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extractPdf } from '../extraction/index.ts';

const { values, positionals } = parseArgs({ options: { workers: { type: 'string' } }, allowPositionals: true });
const [corpus, out] = positionals;
if (!corpus || !out) {
  console.error('usage: scripts/dump-extraction.ts CORPUS_DIR OUT_DIR [--workers N]');
  process.exit(2);
}
const passwords = new Map<string, string>();
const manifest = join(corpus, 'MANIFEST.tsv');
if (existsSync(manifest)) {
  for (const line of readFileSync(manifest, 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t');
    const m = /user(?: password)? "+([^"]+)"+/.exec(cols[9] ?? '');
    if (cols[0] && m) passwords.set(cols[0], m[1]!);
  }
}
mkdirSync(out, { recursive: true });
const workers = values.workers !== undefined ? Number(values.workers) : 1;
for (const name of readdirSync(corpus).filter((f) => f.endsWith('.pdf')).sort()) {
  const password = passwords.get(name);
  let text: string;
  try {
    const doc = await extractPdf(resolve(corpus, name), { workers, ...(password ? { password } : {}) });
    text = JSON.stringify(doc, null, 1);
  } catch (e) {
    text = JSON.stringify({ error: (e as { code?: string }).code ?? String(e) });
  }
  writeFileSync(join(out, `${name}.json`), text + '\n');
  console.log(name);
}
