import { Type, type Static } from '@sinclair/typebox';
import type { CompatibilityFinding, PdfCompatibilityCheck } from '../../protocol/pdf/index.ts';
import type { RuleVerdict } from './compatibility-rules.ts';

/** What the model adds to the rule findings: a summary and caveats; the verdict itself stays the rules'. */
export const ModelReview = Type.Object({
  summary: Type.String({ minLength: 1, description: 'two or three sentences: does it fit, what to change first' }),
  warnings: Type.Array(
    Type.Object({ field: Type.String(), message: Type.String(), hint: Type.Optional(Type.String()) }),
    { description: 'caveats the rules cannot see (meaning, loss of information); empty when none' },
  ),
});
export type ModelReview = Static<typeof ModelReview>;

/** Findings are at most this many in the prompt: the model summarises, it does not need every block's error. */
const MAX_FINDINGS_IN_PROMPT = 40;

export const modelReview = {
  prompt(check: PdfCompatibilityCheck, verdict: RuleVerdict, consumer: string, against: string): string {
    const findings = verdict.findings.slice(0, MAX_FINDINGS_IN_PROMPT);
    return [
      `Compatibility check for consumer "${consumer}" (requirements ${against}).`,
      `The rules found it ${verdict.compatible ? 'COMPATIBLE' : 'NOT compatible'}; their findings (${verdict.findings.length}, first ${findings.length}):`,
      '```json',
      JSON.stringify(findings, null, 2),
      '```',
      check.question ? `The requester also asks: ${check.question}` : '',
      'Review them: write a short summary for the producer (what fits, what to change first) and list caveats the rules cannot see as warnings. Do not contradict the rules\' verdict.',
    ]
      .filter(Boolean)
      .join('\n');
  },

  warnings(review: ModelReview): CompatibilityFinding[] {
    return review.warnings.map((w) => ({ field: w.field, status: 'warning', message: `model review: ${w.message}`, ...(w.hint ? { hint: w.hint } : {}) }));
  },
};
