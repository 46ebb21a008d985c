import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runFlagship } from '../../system/index.ts';
import { createLogger } from '../../logging/index.ts';
import { corpusDir } from './corpus.ts';

const CORPUS = corpusDir();
const logger = createLogger('eval', process.env.COMMS_LOG_LEVEL ?? 'silent');

describe('flagship on real PDFs (marker -> arangodb)', function () {
  this.timeout(300_000);

  for (const [file, password] of [
    ['misc_tagged_structure_fr.pdf', undefined],
    ['paper_lme4_jss.pdf', undefined],
    ['enc_rc4_40_userpw_baz.pdf', 'baz'],
  ] as const) {
    it(`converts, validates and ingests ${file}`, async () => {
      const outDir = mkdtempSync(join(tmpdir(), 'comms-eval-flagship-'));
      try {
        const { result } = await runFlagship({ pdf: `${CORPUS}${file}`, ...(password ? { pdfPassword: password } : {}), dataDir: join(outDir, 'data'), outDir, arango: false, logger });
        expect(result.validation.valid).to.equal(true);
        expect(result.counts.blocks).to.be.greaterThan(0);
        for (const path of Object.values(result.ingest!.outputs)) expect(existsSync(path)).to.equal(true);
      } finally {
        rmSync(outDir, { recursive: true, force: true });
      }
    });
  }
});
