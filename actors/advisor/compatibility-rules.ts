import { CommsError } from '../../protocol/index.ts';
import {
  isCompatibleVersion,
  validatePdfFormat,
  type CompatibilityFinding,
  type PdfCompatibilityCheck,
  type PdfFormatError,
  type PdfRequirements,
} from '../../protocol/pdf/index.ts';

export interface RuleVerdict {
  compatible: boolean;
  findings: CompatibilityFinding[];
}

/** A finding that means the document or producer must change. */
export function isProblem(f: CompatibilityFinding): boolean {
  return f.status === 'missing' || f.status === 'invalid' || f.status === 'incompatible';
}

/**
 * The deterministic half of a compatibility check: the version against the consumer's major, the
 * document validated against the consumer's requirements (each error a finding naming its field
 * and JSON pointer), every required field that passed as `ok`, and what the consumer will not do
 * (embeddings) as a warning. The model, when there is one, only adds to this.
 */
export function ruleFindings(check: PdfCompatibilityCheck, req: PdfRequirements): RuleVerdict {
  const version = check.requirementsVersion ?? documentVersion(check.document);
  if (version === undefined && check.document === undefined) {
    throw new CommsError('E_SCHEMA_INVALID', 'pdf.compatibility.check@1 needs a document, a requirementsVersion, or both. Add "document" (a pdf.document) or "requirementsVersion" (e.g. "1.0.0").');
  }
  const findings: CompatibilityFinding[] = [];
  if (version !== undefined) findings.push(versionFinding(version, req));
  if (check.document !== undefined) findings.push(...documentFindings(check.document, req));
  if (!req.embedding.provided) {
    findings.push({
      field: 'embedding',
      status: 'warning',
      message: `the consumer writes no embeddings${req.embedding.reason ? ` (${req.embedding.reason})` : ''}.`,
      hint: 'Vectors are only stored once the consumer has an embedding provider; nothing to change in the document.',
    });
  }
  return { compatible: !findings.some(isProblem), findings };
}

function documentVersion(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const v = (doc as Record<string, unknown>)['formatVersion'];
  return typeof v === 'string' ? v : undefined;
}

function versionFinding(version: string, req: PdfRequirements): CompatibilityFinding {
  if (isCompatibleVersion(version, req.version)) {
    return { field: 'version', status: 'ok', message: `requirements ${version} and the consumer's ${req.version} share a major version.` };
  }
  return {
    field: 'version',
    status: 'incompatible',
    message: `requirements ${version} do not fit the consumer's ${req.version} (majors differ).`,
    hint: `Convert the document for ${req.version} (pdf.convert@1 with this consumer as target) or write for major ${req.version.split('.')[0]}.`,
  };
}

function documentFindings(doc: unknown, req: PdfRequirements): CompatibilityFinding[] {
  const report = validatePdfFormat(doc, req);
  const problems = report.errors.map(toFinding);
  const failed = new Set(problems.map((f) => f.field));
  const passed = req.required
    .filter((field) => ![...failed].some((bad) => bad === field || bad.startsWith(`${field}.`) || field.startsWith(`${bad}.`)))
    .map((field): CompatibilityFinding => ({ field, status: 'ok', message: `${field} is present and valid.` }));
  return [...problems, ...passed];
}

function toFinding(e: PdfFormatError): CompatibilityFinding {
  const field = fieldOf(e.path);
  const missing = /required|missing/i.test(e.message);
  return { field, path: e.path, status: missing ? 'missing' : 'invalid', message: e.message, hint: e.hint };
}

/** `/blocks/3/bbox/0` -> `blocks.bbox`: the field name the requirements use. */
function fieldOf(pointer: string): string {
  const field = pointer
    .split('/')
    .slice(1)
    .filter((s) => !/^\d+$/.test(s))
    .join('.');
  return field || 'document';
}

/** One sentence for the summary: counts of problems and passes. */
export function ruleSummary(verdict: RuleVerdict, consumer: string, against: string): string {
  const problems = verdict.findings.filter(isProblem);
  const ok = verdict.findings.filter((f) => f.status === 'ok').length;
  const head = verdict.compatible
    ? `Compatible with ${consumer} (requirements ${against}): ${ok} field check(s) passed`
    : `Not compatible with ${consumer} (requirements ${against}): ${problems.length} problem(s), first ${problems[0]?.field}: ${problems[0]?.message}`;
  const warnings = verdict.findings.filter((f) => f.status === 'warning').length;
  return `${head}${warnings > 0 ? `; ${warnings} warning(s)` : ''}.`;
}
