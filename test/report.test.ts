import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAPABILITIES } from '../scripts/report/capabilities.ts';
import { figuresMissingFromRecord } from '../scripts/report/check.ts';
import { generateReports } from '../scripts/report/generate.ts';
import { STEPS } from '../scripts/report/steps.ts';
import type { Capability, ReportStep, RunRecord } from '../scripts/report/types.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const reports = join(repo, 'docs', 'reports');

describe('verification reports (npm run report, docs/reports.md)', function () {
  this.timeout(60_000);

  describe('docs/reports as committed', () => {
    const files = existsSync(reports) ? readdirSync(reports).filter((f) => f.endsWith('.md')) : [];

    it('has one report and one run record per capability', () => {
      expect(files.sort()).to.deep.equal(CAPABILITIES.map((c) => `${c.id}.md`).sort());
      for (const c of CAPABILITIES) expect(existsSync(join(reports, 'runs', `${c.id}.json`)), `runs/${c.id}.json`).to.equal(true);
    });

    it('every figure (number) in docs/reports/*.md appears in the run record beside it', () => {
      for (const file of files) {
        const record = readFileSync(join(reports, 'runs', file.replace(/\.md$/, '.json')), 'utf8');
        expect(figuresMissingFromRecord(readFileSync(join(reports, file), 'utf8'), record), file).to.deep.equal([]);
      }
    });

    it('every run record names its machine and the commands it ran', () => {
      for (const c of CAPABILITIES) {
        const record = JSON.parse(readFileSync(join(reports, 'runs', `${c.id}.json`), 'utf8')) as RunRecord;
        expect(record.machine.cpus).to.be.greaterThan(0);
        expect(record.machine.node).to.match(/^v\d+/);
        expect(record.steps.length, c.id).to.be.greaterThan(0);
        for (const s of record.steps) expect(s.command !== '' || s.skipped !== undefined, `${c.id}/${s.id}`).to.equal(true);
      }
    });
  });

  it('every step speaks for a known capability, and every capability has a step', () => {
    const ids = new Set(CAPABILITIES.map((c) => c.id));
    for (const s of STEPS) for (const c of s.capabilities) expect(ids.has(c), `${s.id}: ${c}`).to.equal(true);
    for (const c of ids) expect(STEPS.some((s) => s.capabilities.includes(c)), c).to.equal(true);
    expect(new Set(STEPS.map((s) => s.id)).size).to.equal(STEPS.length);
  });

  it('the check catches a figure that is not in the run record', () => {
    expect(figuresMissingFromRecord('rate 1200 msg/s, ratio 0.52', '{"out":"rate 1200 msg/s, ratio 0.52"}')).to.deep.equal([]);
    expect(figuresMissingFromRecord('rate 1300 msg/s', '{"out":"rate 1200 msg/s, 13000"}')).to.deep.equal(['1300']);
    expect(figuresMissingFromRecord('p99 2.5 ms', '{"out":"p99 12.5 ms"}')).to.deep.equal(['2.5']);
  });

  describe('the generator, on real child processes', () => {
    let out: string;
    const capabilities: Capability[] = [{ id: 'docs', title: 'Test capability', about: 'A generated report.', knownLimitations: ['A known limit.'] }];
    const node = (script: string) => () => [process.execPath, '-e', script];
    const steps: ReportStep[] = [
      {
        id: 'measure',
        title: 'A measurement',
        capabilities: ['docs'],
        command: node('console.log("warming up"); console.log("Summary: 12,345 msg/s = 0.52x raw (23,456 msg/s)"); console.log("C=8: 99.5 conv/s")'),
        figures: [
          { pattern: /Summary: (\S+) msg\/s = (\S+) raw/, names: ['rate', 'ratio'], units: ['msg/s', 'ratio'] },
          { pattern: /C=(\d+): (\S+) conv\/s/g, names: ['concurrency', 'rate at C={1}'] },
        ],
      },
      { id: 'broken', title: 'A failing command', capabilities: ['docs'], command: node('console.error("WARNING: disk almost full"); process.exit(3)') },
      { id: 'absent', title: 'A skipped command', capabilities: ['docs'], command: () => ({ skip: 'no corpus given' }) },
      { id: 'other', title: 'Another capability', capabilities: ['instances'], command: node('console.log(1)') },
    ];

    before(async () => {
      out = await mkdtemp(join(tmpdir(), 'comms-report-test-'));
    });
    after(async () => {
      await rm(out, { recursive: true, force: true });
    });

    it('writes the report and run record from the real outputs, with figures, failures and skips', async () => {
      const [record] = await generateReports({ repo, outDir: out, short: true, steps, capabilities });
      expect(record!.steps.map((s) => s.id)).to.deep.equal(['measure', 'broken', 'absent']);
      const measure = record!.steps[0]!;
      expect(measure.exitCode).to.equal(0);
      expect(measure.figures.map((f) => [f.name, f.raw, f.value])).to.deep.equal([
        ['rate', '12,345', 12345],
        ['ratio', '0.52x', 0.52],
        ['concurrency', '8', 8],
        ['rate at C=8', '99.5', 99.5],
      ]);
      expect(measure.summaries).to.deep.equal(['Summary: 12,345 msg/s = 0.52x raw (23,456 msg/s)']);
      expect(record!.steps[1]!.exitCode).to.equal(3);
      expect(record!.steps[1]!.findings).to.deep.equal(['exited with code 3', 'WARNING: disk almost full']);

      const md = readFileSync(join(out, 'docs.md'), 'utf8');
      const json = readFileSync(join(out, 'runs', 'docs.json'), 'utf8');
      expect(md).to.contain('| rate at C=8 | 99.5 |').and.contain('A failing command: exited with code 3').and.contain('skipped: no corpus given').and.contain('A known limit.');
      expect(md).to.contain(`| cores | ${record!.machine.cpus}`).and.contain(`| Node | ${process.version} |`).and.contain(record!.generatedAt);
      expect(md).to.contain(`Command: \`${process.execPath} -e`);
      expect(figuresMissingFromRecord(md, json)).to.deep.equal([]);
      // Typing a figure by hand into the report is caught.
      expect(figuresMissingFromRecord(`${md}\nthroughput 98765 msg/s\n`, json)).to.deep.equal(['98765']);
    });

    it('refuses an unknown step id in --only', async () => {
      let error: Error | undefined;
      await generateReports({ repo, outDir: out, short: true, steps, capabilities, only: ['nope'] }).catch((err: Error) => (error = err));
      expect(error?.message).to.contain('unknown step(s) nope');
    });
  });
});
