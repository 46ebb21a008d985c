/**
 * PDF extraction benchmark: `npx tsx bench/pdf.ts [--corpus DIR | --pdf FILE]`.
 * Without either it measures the generated sample article (samples/make-sample-pdf.ts).
 * 1. Speed: pages/s of extractPdf against poppler's pdftotext on every readable file.
 * 2. Heading recall: font-based headings (useOutline: false) against the PDFs' own outlines
 *    (`*.outline.json` beside the PDFs, 1-based pages; for the sample, its known headings),
 *    matched on the same page +-1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { extractPdf } from '../extraction/index.ts';
import { CommsError } from '../protocol/index.ts';
import { SAMPLE, samplePath } from '../samples/index.ts';

const { values: cli, positionals } = parseArgs({ options: { corpus: { type: 'string' }, pdf: { type: 'string' } }, allowPositionals: true });
// A bare directory argument is the corpus, as before.
const corpus = cli.corpus ?? positionals[0];
let only: string | undefined;
let dir: string;
if (corpus !== undefined) {
  dir = `${resolve(corpus)}/`;
} else {
  if (cli.pdf !== undefined) only = resolve(cli.pdf);
  else {
    only = await samplePath('sample.pdf');
    // The sample's truth for the recall table: its headings, 1-based pages like the corpus dumps.
    writeFileSync(only.replace(/\.pdf$/, '.outline.json'), JSON.stringify(SAMPLE.headings.map((h) => ({ title: h.text, level: h.level, page: h.page + 1 }))));
  }
  if (!existsSync(only)) {
    console.error(`bench/pdf.ts: ${only} not found`);
    process.exit(2);
  }
  dir = `${dirname(only)}/`;
}

function passwords(): Map<string, string> {
  const out = new Map<string, string>();
  const manifest = `${dir}MANIFEST.tsv`;
  if (!existsSync(manifest)) return out;
  for (const line of readFileSync(manifest, 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t');
    const m = /user(?: password)? "+([^"]+)"+/.exec(cols[9] ?? '');
    if (cols[0] && m) out.set(cols[0], m[1]!);
  }
  return out;
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
const words = (s: string) => s.normalize('NFKC').toLowerCase().match(/\p{L}+/gu) ?? [];
const pad = (s: string | number, n: number) => String(s).padEnd(n);
const lpad = (s: string | number, n: number) => String(s).padStart(n);

function hasPdftotext(): boolean {
  return spawnSync('pdftotext', ['-v']).status === 0;
}

async function speed(files: string[], pw: Map<string, string>): Promise<void> {
  const poppler = hasPdftotext();
  console.log('Extraction speed (pages/s)');
  console.log(`${pad('file', 42)}${lpad('pages', 6)}${lpad('ours p/s', 10)}${lpad('pdftotext p/s', 15)}${lpad('ratio', 8)}`);
  let oursPages = 0;
  let oursMs = 0;
  let popMs = 0;
  let popPages = 0;
  for (const f of files) {
    const password = pw.get(f);
    const t0 = performance.now();
    let pages = 0;
    try {
      pages = (await extractPdf(`${dir}${f}`, password ? { password } : {})).pages?.length ?? 0;
    } catch (e) {
      console.log(`${pad(f, 42)}  skipped: ${e instanceof CommsError ? e.code : String(e)}`);
      continue;
    }
    const ours = performance.now() - t0;
    let pop = Number.NaN;
    if (poppler) {
      const t1 = performance.now();
      const r = spawnSync('pdftotext', ['-q', ...(password ? ['-upw', password] : []), `${dir}${f}`, '-'], { maxBuffer: 1 << 28 });
      pop = r.status === 0 ? performance.now() - t1 : Number.NaN;
    }
    oursPages += pages;
    oursMs += ours;
    if (Number.isFinite(pop)) {
      popMs += pop;
      popPages += pages;
    }
    const ps = (ms: number) => (pages / (ms / 1000)).toFixed(1);
    console.log(`${pad(f, 42)}${lpad(pages, 6)}${lpad(ps(ours), 10)}${lpad(Number.isFinite(pop) ? ps(pop) : 'n/a', 15)}${lpad(Number.isFinite(pop) ? (pop / ours).toFixed(2) : 'n/a', 8)}`);
  }
  const ours = oursPages / (oursMs / 1000);
  const pop = popPages / (popMs / 1000);
  console.log(`${pad('TOTAL', 42)}${lpad(oursPages, 6)}${lpad(ours.toFixed(1), 10)}${lpad(poppler ? pop.toFixed(1) : 'n/a', 15)}${lpad(poppler ? (ours / pop).toFixed(2) : 'n/a', 8)}`);
  console.log(poppler ? `extractPdf runs at ${(ours / pop).toFixed(2)}x the page rate of pdftotext (ratio = ours / pdftotext; layout, tables and headings included).` : 'pdftotext not installed (apt-get install poppler-utils): no comparison.');
}

async function recall(files: string[]): Promise<void> {
  console.log('\nHeading recall against the PDF outline (extraction with useOutline: false)');
  console.log(`${pad('file', 42)}${lpad('outline', 8)}${lpad('found', 7)}${lpad('recall', 8)}${lpad('headings', 10)}${lpad('precision', 11)}`);
  let total = 0;
  let found = 0;
  let heads = 0;
  let headsMatched = 0;
  for (const f of files) {
    const truthPath = `${dir}${f.replace(/\.pdf$/, '.outline.json')}`;
    if (!existsSync(truthPath)) continue;
    // Entries whose page the outline dump could not resolve (named destinations) match on any page.
    const truth = (JSON.parse(readFileSync(truthPath, 'utf8')) as Array<{ title: string; level: number; page: number | null }>).filter((t) => norm(t.title).length > 0);
    const d = await extractPdf(`${dir}${f}`, { useOutline: false });
    const headers = d.blocks.filter((b) => b.blockType === 'SectionHeader').map((b) => ({ page: b.page, n: norm(b.text), w: words(b.text) }));
    // Word-level match so numbering differences ("2.3.59-1" in the outline, "(07-01-2019)" printed) do not count.
    const matches = (t: { title: string; page: number | null }, h: { page: number; n: string; w: string[] }) => {
      if (t.page !== null && Math.abs(h.page - (t.page - 1)) > 1) return false;
      const tw = words(t.title);
      if (tw.length === 0) return h.n === norm(t.title);
      const hw = new Set(h.w);
      const shared = tw.filter((x) => hw.has(x)).length;
      return shared >= Math.ceil(0.8 * tw.length) && h.w.length <= tw.length + 4;
    };
    const hit = truth.filter((t) => headers.some((h) => matches(t, h))).length;
    const precise = headers.filter((h) => truth.some((t) => matches(t, h))).length;
    total += truth.length;
    found += hit;
    heads += headers.length;
    headsMatched += precise;
    const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
    console.log(`${pad(f, 42)}${lpad(truth.length, 8)}${lpad(hit, 7)}${lpad(pct(hit, truth.length), 8)}${lpad(headers.length, 10)}${lpad(pct(precise, headers.length), 11)}`);
  }
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
  console.log(`${pad('OVERALL', 42)}${lpad(total, 8)}${lpad(found, 7)}${lpad(pct(found, total), 8)}${lpad(heads, 10)}${lpad(pct(headsMatched, heads), 11)}`);
}

const files = only !== undefined ? [basename(only)] : readdirSync(dir).filter((f) => f.endsWith('.pdf')).sort();
// One file alone would time pdf.js loading its modules and fonts; a first, untimed run pays for that.
if (only !== undefined) await extractPdf(only).catch(() => undefined);
await speed(files, passwords());
await recall(files);
