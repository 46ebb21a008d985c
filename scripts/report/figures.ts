import type { Figure, FigurePattern } from './types.ts';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** A passing mocha test whose title names a failure it checks for is not a finding. */
const PASSED_TEST = /^(✔|✓)/;
const FINDING = /\b(FAILED|failing|failed|skipped|not run|WARNING|warning|timed out|error E_[A-Z_]+)\b/;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** `12,345`, `0.52x`, `88.3%` -> a number; NaN when the text is not one. */
export function toNumber(raw: string): number {
  return Number(raw.replace(/,/g, '').replace(/[x×%]$/, ''));
}

function named(template: string, match: RegExpMatchArray): string {
  return template.replace(/\{(\d+)\}/g, (_, k: string) => match[Number(k)] ?? '');
}

/** The figures the step's patterns name, then mocha's counts; text as printed, so the report quotes the run. */
export function extractFigures(output: string, patterns: readonly FigurePattern[] = []): Figure[] {
  const figures: Figure[] = [];
  for (const { pattern, names, units } of patterns) {
    const matches = pattern.global ? [...output.matchAll(pattern)] : [output.match(pattern)].filter((m): m is RegExpMatchArray => m !== null);
    for (const match of matches) {
      names.forEach((name, i) => {
        const raw = match[i + 1];
        if (!name || raw === undefined || Number.isNaN(toNumber(raw))) return;
        figures.push({ name: named(name, match), raw, value: toNumber(raw), ...(units?.[i] ? { unit: units[i] } : {}) });
      });
    }
  }
  for (const kind of ['passing', 'failing', 'pending'] as const) {
    const m = new RegExp(`^\\s*(\\d+) ${kind}\\b`, 'm').exec(output);
    if (m) figures.push({ name: `tests ${kind}`, raw: m[1]!, value: Number(m[1]) });
  }
  return figures;
}

/** Lines a benchmark prints as its result (`Summary: ...`). */
export function extractSummaries(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('Summary:'));
}

/** Lines that report a failure, skip or warning: the limitations the run found. */
export function extractFindings(output: string): string[] {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && FINDING.test(l) && !PASSED_TEST.test(l));
  return [...new Set(lines)].slice(0, 20);
}
