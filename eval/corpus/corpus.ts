/**
 * Where the real-world PDF corpus is, for the tests under eval/corpus (`npm run eval:corpus`).
 * Only COMMS_CORPUS says so (eval/corpus/run.ts sets it from --corpus, or from ../shared/corpus
 * when that folder exists); `npm test` never needs it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export function corpusDir(): string {
  const dir = process.env.COMMS_CORPUS;
  if (!dir) {
    throw new Error('COMMS_CORPUS is not set: point it at the PDF corpus (a folder with MANIFEST.tsv), e.g. COMMS_CORPUS=../shared/corpus npm run eval:corpus, or npm run eval:corpus -- --corpus DIR.');
  }
  const abs = resolve(dir);
  if (!existsSync(`${abs}/MANIFEST.tsv`)) throw new Error(`COMMS_CORPUS=${dir}: no MANIFEST.tsv in ${abs}; is this the PDF corpus?`);
  return `${abs}/`;
}
