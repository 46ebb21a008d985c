/**
 * `npx tsx eval/glued.ts [--corpus DIR] [--verbose]` — words glued at line joins, and line-break
 * hyphens dropped, in our block text, measured against `pdftotext -layout`.
 *
 * Per page, a token of our block text (NFKC, outer punctuation stripped) that pdftotext does not
 * have on that page but that equals the last word of one pdftotext line plus the first word of
 * the next is *glued*; one that equals them with the first word's final hyphen dropped is
 * *de-hyphenated*, and is checked against the whole document's pdftotext words: the joined word
 * occurring elsewhere supports dropping the hyphen, the hyphenated form occurring elsewhere says
 * it was a compound. Files pdftotext cannot read (or that need an unknown password) are skipped.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { extractPdf } from '../extraction/index.ts';

const { values: args } = parseArgs({ options: { corpus: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } }, strict: true });
const corpus = resolve(args.corpus ?? process.env['COMMS_CORPUS'] ?? join(fileURLToPath(new URL('..', import.meta.url)), '..', 'shared', 'corpus'));
if (!existsSync(corpus)) {
  console.error(`glued: corpus folder ${corpus} does not exist. Pass --corpus DIR.`);
  process.exit(2);
}

const norm = (t: string) => t.normalize('NFKC').replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}-]+$/gu, '');
const total = { tokens: 0, glued: 0, dropped: 0, joinedElsewhere: 0, hyphenatedElsewhere: 0 };
for (const file of readdirSync(corpus).filter((f) => f.endsWith('.pdf')).sort()) {
  const path = join(corpus, file);
  let pages: string[];
  let blocks: Array<{ page: number; text: string }>;
  try {
    pages = execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] }).split('\f');
    const d = await extractPdf(path);
    blocks = d.blocks.flatMap((b) => ('text' in b && typeof b.text === 'string' ? [{ page: b.page, text: b.text }] : []));
  } catch {
    continue;
  }
  const docWords = new Set(pages.join('\n').toLowerCase().split(/\s+/).map(norm).filter(Boolean));
  const f = { tokens: 0, glued: 0, dropped: 0, joinedElsewhere: 0, hyphenatedElsewhere: 0 };
  const examples: string[] = [];
  const byPage = new Map<number, string[]>();
  for (const b of blocks) byPage.set(b.page, [...(byPage.get(b.page) ?? []), b.text]);
  for (const [p, texts] of byPage) {
    const lines = (pages[p] ?? '').split('\n').map((l) => l.split(/\s+/).map(norm).filter(Boolean));
    const have = new Set(lines.flat());
    const joins = new Map<string, string>();
    const hyphenJoins = new Map<string, [string, string]>();
    for (let i = 0; i + 1 < lines.length; i++) {
      let j = i + 1;
      while (j < lines.length && lines[j]!.length === 0) j++;
      const a = lines[i]!.at(-1);
      const b = lines[j]?.[0];
      if (!a || !b) continue;
      if (a.endsWith('-')) hyphenJoins.set(a.slice(0, -1) + b, [a, b]);
      else joins.set(a + b, `${a} | ${b}`);
    }
    for (const t of texts.join(' ').split(/\s+/).map(norm).filter(Boolean)) {
      f.tokens++;
      if (have.has(t)) continue;
      if (joins.has(t)) {
        f.glued++;
        examples.push(`glued p${p + 1}: ${t} <- ${joins.get(t)}`);
      } else if (hyphenJoins.has(t)) {
        f.dropped++;
        const [a, b] = hyphenJoins.get(t)!;
        if (docWords.has((a.slice(0, -1) + b).toLowerCase())) f.joinedElsewhere++;
        else if (docWords.has((a + b).toLowerCase())) {
          f.hyphenatedElsewhere++;
          examples.push(`compound joined p${p + 1}: ${t} <- ${a} | ${b}`);
        }
      }
    }
  }
  for (const k of Object.keys(total) as Array<keyof typeof total>) total[k] += f[k];
  if (f.glued || f.dropped) {
    console.log(`${file.padEnd(42)} tokens ${String(f.tokens).padStart(6)}  glued ${String(f.glued).padStart(4)}  hyphens dropped ${String(f.dropped).padStart(4)} (joined word elsewhere ${f.joinedElsewhere}, hyphenated elsewhere ${f.hyphenatedElsewhere})`);
    if (args.verbose) for (const e of examples.slice(0, 20)) console.log(`    ${e}`);
  }
}
console.log(
  `TOTAL tokens ${total.tokens}  glued ${total.glued} (${((100 * total.glued) / Math.max(1, total.tokens)).toFixed(3)}%)  hyphens dropped ${total.dropped} (joined word elsewhere ${total.joinedElsewhere}, hyphenated elsewhere ${total.hyphenatedElsewhere})`,
);
