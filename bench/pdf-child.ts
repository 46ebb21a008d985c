/**
 * Child process of bench/pdf.ts, run as compiled JavaScript (dist/bench/pdf-child.js) so the
 * numbers are those of the shipped code, not of tsx. Extracts each file given on the command line
 * (FILE or FILE::PASSWORD) and prints one JSON line per file, then one with the process's peak RSS
 * (worker threads included: they share the process).
 */
import { extractPdf } from '../extraction/index.ts';

const started = performance.now();
/** BENCH_WORKERS=0 reads pages on the main thread (for profiling). */
const workers = process.env['BENCH_WORKERS'] !== undefined ? Number(process.env['BENCH_WORKERS']) : undefined;
for (const arg of process.argv.slice(2)) {
  const [file, password] = arg.split('::');
  const t0 = performance.now();
  try {
    const d = await extractPdf(file!, { useOutline: false, ...(password ? { password } : {}), ...(workers !== undefined ? { workers } : {}) });
    console.log(JSON.stringify({ file, pages: d.pages?.length ?? 0, ms: performance.now() - t0 }));
  } catch (e) {
    console.log(JSON.stringify({ file, error: (e as { code?: string }).code ?? String(e) }));
  }
}
const usage = process.resourceUsage();
console.log(JSON.stringify({ done: true, ms: performance.now() - started, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMb: usage.maxRSS / 1024 }));
