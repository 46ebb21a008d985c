/**
 * The project's own sample documents, written with pdfkit, so that `npm start` and `npm test`
 * need no PDF from outside the repository.
 *
 * `makeSamplePdf()` writes a 4-page article with everything the extractor looks for: a title and
 * authors in the document info, a running header, nested numbered headings (1, 1.1, 1.1.1) in
 * larger bold fonts, a bookmark outline that mirrors them, a bulleted and a numbered list, a table
 * set at aligned columns with rule lines and a "Table 1:" caption, a figure (a drawn frame around
 * an embedded raster chart) with a "Figure 1:" caption, an equation-like line in the Symbol font,
 * a footnote (superscript marker in the text, small note at the page bottom) and page numbers.
 * Variants for the error paths: encrypted (user password, or owner password only), a "scan"
 * (pages that are only an image), a page of vector drawing without any text, a long document,
 * and damaged files (truncated, header only, empty).
 *
 * Output is deterministic: the creation date and file id are fixed, and encryption uses RC4
 * (pdfkit's AES would draw random IVs), so the same options give the same bytes.
 *
 * CLI: `npx tsx samples/make-sample-pdf.ts [OUT.pdf] [--variant NAME] [--password PW]`
 * (variants: the names of SAMPLE_FILES, e.g. `sample`, `encrypted`, `scan`).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSamplePdf, SAMPLE_FILES, type SampleName } from './variants.ts';

export { SAMPLE, type SampleOptions, type SampleVariant } from './sample-spec.ts';
export { makeSamplePdf, makeDamagedPdf, SAMPLE_FILES, type SampleName } from './variants.ts';
export { makePng } from './png.ts';

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const variant = flag('--variant') ?? 'sample';
  const password = flag('--password');
  const out = resolve(args[0] ?? 'sample.pdf');
  const known = Object.keys(SAMPLE_FILES).map((f) => f.replace(/\.pdf$/, ''));
  if (!known.includes(variant)) {
    console.error(`unknown variant ${variant}; one of ${known.join(', ')}`);
    process.exit(2);
  }
  const bytes = password !== undefined && variant === 'sample' ? await makeSamplePdf({ userPassword: password }) : await SAMPLE_FILES[`${variant}.pdf` as SampleName]();
  writeFileSync(out, bytes);
  console.log(`wrote ${out} (${bytes.length} bytes, variant ${variant})`);
}
