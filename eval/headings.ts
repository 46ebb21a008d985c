/**
 * `npm run eval` — heading recall and precision against the PDFs' own outlines.
 *
 * For every PDF in the corpus that has a bookmark outline, the outline is read on its own
 * (pdf.js getOutline + destinations -> 0-based pages) and used as ground truth, and the PDF is
 * extracted with `useOutline: false`, so headings come from the page content alone. Headings are
 * matched one-to-one to outline entries by normalised title (printed label/number prefix may be
 * stripped, containment allowed) on the same page +-1. Entries whose destination resolves to no
 * page are left out of the truth (their page cannot be checked) and counted separately.
 *
 * Usage: npm run eval -- [--corpus DIR] [--out FILE] [--verbose]
 *   DIR defaults to $COMMS_CORPUS, else ../shared/corpus when that folder exists.
 *   FILE defaults to eval/out/headings.json (gitignored).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { extractPdf } from '../extraction/index.ts';
import { openPdf } from '../extraction/open.ts';
import { readOutline } from '../extraction/outline.ts';
import { CommsError } from '../protocol/errors.ts';
import { matchHeadings, type FoundHeading, type TruthEntry } from './match.ts';
import { splitPrinted } from './printed.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

const { values: args } = parseArgs({
  options: {
    corpus: { type: 'string' },
    out: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    only: { type: 'string' },
  },
  strict: true,
});

function corpusDir(): string {
  const given = args.corpus ?? process.env['COMMS_CORPUS'];
  if (given) {
    if (!existsSync(given)) {
      console.error(`eval: corpus folder ${given} does not exist (from ${args.corpus ? '--corpus' : 'COMMS_CORPUS'}).`);
      process.exit(2);
    }
    return resolve(given);
  }
  const fallback = join(repo, '..', 'shared', 'corpus');
  if (existsSync(fallback)) return fallback;
  console.error('eval: no corpus folder. Pass --corpus DIR (or set COMMS_CORPUS) to a folder of PDFs with bookmark outlines.');
  process.exit(2);
}

async function groundTruth(path: string): Promise<{ truth: TruthEntry[]; unresolved: number } | null> {
  const { doc } = await openPdf(path);
  try {
    const outline = await readOutline(doc);
    const titled = outline.filter((o) => o.title.trim() !== '');
    if (titled.length === 0) return null;
    const truth = titled.filter((o) => o.page !== null && o.page < doc.numPages).map((o) => ({ title: o.title, page: o.page! }));
    return { truth, unresolved: titled.length - truth.length };
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

interface FileRecord {
  file: string;
  outline: number;
  unresolved: number;
  found: number;
  matched: number;
  recall: number;
  precision: number;
  textChars: number;
  /** Entries whose title is printed on their page +-1 (see printed.ts), and how many of them matched. */
  printed: number;
  printedMatched: number;
  notInText: number;
  noTextLayer: number;
  missed?: TruthEntry[];
  spurious?: FoundHeading[];
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

const dir = corpusDir();
const only = args.only ? new Set(args.only.split(',')) : null;
const files = readdirSync(dir)
  .filter((f) => f.toLowerCase().endsWith('.pdf') && (!only || only.has(f)))
  .sort();
const records: FileRecord[] = [];
console.log(`Heading eval against PDF outlines (outline ignored by the extractor), corpus ${dir}`);
console.log(`${pad('file', 42)}${lpad('outline', 8)}${lpad('found', 7)}${lpad('matched', 8)}${lpad('recall', 8)}${lpad('precision', 10)}${lpad('printed', 9)}${lpad('recall/printed', 16)}`);
for (const f of files) {
  const path = join(dir, f);
  let gt: Awaited<ReturnType<typeof groundTruth>>;
  try {
    gt = await groundTruth(path);
  } catch (e) {
    if (args.verbose) console.log(`${pad(f, 42)}  skipped: ${e instanceof CommsError ? e.code : String(e)}`);
    continue;
  }
  if (!gt || gt.truth.length === 0) continue;
  const doc = await extractPdf(path, { useOutline: false });
  const found: FoundHeading[] = [];
  for (const b of doc.blocks) {
    if (b.blockType !== 'SectionHeader') continue;
    const h: FoundHeading = { text: b.text, page: b.page };
    if (b.title !== undefined) h.title = b.title;
    found.push(h);
  }
  const m = matchHeadings(gt.truth, found);
  const pageText = (doc.pages ?? []).map(() => '');
  for (const b of doc.blocks) if (b.page < pageText.length) pageText[b.page] += ` ${b.text}`;
  const split = splitPrinted(gt.truth, pageText);
  const printedSet = new Set(split.printed);
  const printedMatched = m.matched.filter((x) => printedSet.has(gt.truth[x.truth]!)).length;
  const rec: FileRecord = {
    file: f,
    outline: gt.truth.length,
    unresolved: gt.unresolved,
    found: found.length,
    matched: m.matched.length,
    recall: gt.truth.length ? m.matched.length / gt.truth.length : 0,
    precision: found.length ? m.matched.length / found.length : 0,
    textChars: (doc.pages ?? []).reduce((n, p) => n + p.textChars, 0),
    printed: split.printed.length,
    printedMatched,
    notInText: split.notInText.length,
    noTextLayer: split.noTextLayer.length,
    missed: m.unmatchedTruth.map((i) => gt.truth[i]!),
    spurious: m.unmatchedFound.map((i) => found[i]!),
  };
  records.push(rec);
  console.log(`${pad(f, 42)}${lpad(rec.outline, 8)}${lpad(rec.found, 7)}${lpad(rec.matched, 8)}${lpad(pct(rec.matched, rec.outline), 8)}${lpad(pct(rec.matched, rec.found), 10)}${lpad(rec.printed, 9)}${lpad(pct(rec.printedMatched, rec.printed), 16)}`);
  if (args.verbose) {
    for (const t of rec.missed ?? []) console.log(`    missed  p${t.page + 1} ${t.title}`);
    for (const h of (rec.spurious ?? []).slice(0, 40)) console.log(`    extra   p${h.page + 1} ${h.text.slice(0, 100)}`);
  }
}
const total = records.reduce((n, r) => n + r.outline, 0);
const found = records.reduce((n, r) => n + r.found, 0);
const matched = records.reduce((n, r) => n + r.matched, 0);
const printed = records.reduce((n, r) => n + r.printed, 0);
const printedMatched = records.reduce((n, r) => n + r.printedMatched, 0);
console.log(
  `${pad('MICRO', 42)}${lpad(total, 8)}${lpad(found, 7)}${lpad(matched, 8)}${lpad(pct(matched, total), 8)}${lpad(pct(matched, found), 10)}${lpad(printed, 9)}${lpad(pct(printedMatched, printed), 16)}`,
);
for (const r of records.filter((x) => x.matched === 0 && x.textChars > 0)) {
  const why = [
    r.notInText ? `${r.notInText} of ${r.outline} outline titles are not printed on their page +-1` : '',
    r.noTextLayer ? `${r.noTextLayer} of ${r.outline} point at pages without a text layer` : '',
  ].filter(Boolean);
  console.log(`0 recall: ${r.file}${why.length ? ` (${why.join('; ')})` : ''}`);
}
const out = args.out ?? join(repo, 'eval', 'out', 'headings.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  JSON.stringify({ corpus: dir, at: new Date().toISOString(), micro: { outline: total, found, matched, recall: total ? matched / total : 0, precision: found ? matched / found : 0, printed, printedMatched }, files: records }, null, 2),
);
console.log(`run record: ${out}`);
