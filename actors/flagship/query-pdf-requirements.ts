import { Value } from '@sinclair/typebox/value';
import { CommsError } from '../../protocol/index.ts';
import { PdfRequirements, type PdfRequirementsQuery } from '../../protocol/pdf/index.ts';
import type { Actor, RequestOptions } from '../runtime/index.ts';

/**
 * Ask a module (arangodb by default) which structure a PDF extraction must have for it to ingest
 * it: one `pdf.requirements.query@1` conversation, answered with a versioned `pdf.requirements@1`,
 * checked against its schema here too so a caller can rely on every field.
 */
export async function queryPdfRequirements(
  requester: Actor,
  module = 'arangodb',
  query: PdfRequirementsQuery = {},
  options: Partial<RequestOptions> = {},
): Promise<PdfRequirements> {
  const answer = await requester.ask<unknown>(module, 'pdf.requirements.query@1', query, options);
  if (!Value.Check(PdfRequirements, answer)) {
    const first = [...Value.Errors(PdfRequirements, answer)][0];
    throw new CommsError('E_SCHEMA_INVALID', `${module} answered an invalid pdf.requirements@1${first ? ` (${first.path}: ${first.message})` : ''}.`);
  }
  return answer;
}
