import { CommsError } from '../protocol/index.ts';
import {
  majorOf,
  parseVersion,
  validatePdfFormat,
  type PdfDocument,
  type PdfRequirements,
} from '../protocol/pdf/index.ts';
import { finalizeBlocks } from './finalize-blocks.ts';
import { buildSections } from './sections.ts';
import { isRecord, str, type Problem } from './loose-json.ts';
import { buildMetadata, type ConvertOverrides } from './metadata.ts';
import { collectMarker, normType, readBlock, type Draft } from './read-block.ts';

function fail(problems: Problem[], what: string): never {
  const list = problems.slice(0, 20).map((p) => `${p.path}: ${p.message}`).join('; ');
  throw new CommsError('E_DOCUMENT_INVALID', `Could not convert ${what}: ${list}${problems.length > 20 ? ` (+${problems.length - 20} more)` : ''}`, { problems });
}

/**
 * Bring a document to the format `requirements` describe. Accepts
 * (a) marker JSON output (`block_type`, `children`, `section_hierarchy`, `polygon`/`bbox`, `html`),
 * (b) our own format at an older or looser version (`type` for blockType, 1-based `pageNumber`,
 *     bbox objects, flat metadata, tables as string[][], missing sections/ids),
 * (c) a current document, returned as a validated copy.
 * Sections are rebuilt from headings for (a) and (b), since their trees cannot be trusted.
 * Throws E_DOCUMENT_INVALID with `details.problems` naming each part that could not be converted,
 * and E_VERSION_UNSUPPORTED for a document of a newer major than the requirements.
 */
export function convertToRequiredFormat(doc: unknown, requirements: PdfRequirements, overrides: ConvertOverrides = {}): PdfDocument {
  if (!isRecord(doc)) {
    throw new CommsError('E_DOCUMENT_INVALID', `Could not convert: expected a JSON object, got ${Array.isArray(doc) ? 'an array' : typeof doc}`);
  }
  const declared = str(doc['formatVersion']) ?? str(doc['version']) ?? str(doc['schemaVersion']);
  if (declared) {
    let major: number | undefined;
    try {
      major = majorOf(declared);
    } catch {
      major = undefined;
    }
    if (major !== undefined && major > parseVersion(requirements.version).major) {
      throw new CommsError('E_VERSION_UNSUPPORTED', `Document format ${declared} is newer than the requirements ${requirements.version}; ask the receiver for its requirements and write that version.`);
    }
  }

  if (validatePdfFormat(doc, requirements).valid) return structuredClone(doc) as PdfDocument;

  const problems: Problem[] = [];
  const drafts: Draft[] = [];
  let pageCountGuess = 0;
  const isMarker = 'block_type' in doc || (Array.isArray(doc['children']) && !Array.isArray(doc['blocks']));
  if (isMarker) {
    const pages = Array.isArray(doc['children']) ? doc['children'] : [];
    pageCountGuess = pages.filter((p) => isRecord(p) && normType(p['block_type']) === 'group' && /Page/i.test(String(p['block_type']))).length;
    pages.forEach((p, i) => isRecord(p) && collectMarker(p, `/children/${i}`, undefined, drafts, problems));
  } else if (Array.isArray(doc['blocks'])) {
    doc['blocks'].forEach((b, i) => {
      if (!isRecord(b)) {
        problems.push({ path: `/blocks/${i}`, message: 'block is not an object' });
        return;
      }
      const r = readBlock(b, `/blocks/${i}`, undefined, problems);
      if (r === 'group' || r === 'skip' || r === null) return;
      if (r.type === 'ListGroup') r.children = Array.isArray(b['childIds']) ? b['childIds'].filter((x): x is string => typeof x === 'string') : [];
      drafts.push(r);
    });
  } else {
    fail([{ path: '/', message: 'neither marker JSON (children/block_type) nor a document with blocks' }], 'the document');
  }
  if (drafts.length === 0 && problems.length === 0) problems.push({ path: isMarker ? '/children' : '/blocks', message: 'no blocks found' });
  if (problems.length > 0) fail(problems, isMarker ? 'marker JSON' : 'the document');

  const blocks = finalizeBlocks(drafts);
  const sections = buildSections(blocks);
  const metadata = buildMetadata(doc, blocks, pageCountGuess, overrides, problems);
  if (problems.length > 0) fail(problems, isMarker ? 'marker JSON' : 'the document');
  const kindIn = overrides.kind ?? str(doc['kind']);
  const kind = kindIn && requirements.documentKinds.includes(kindIn) ? kindIn : requirements.documentKinds.includes('document') ? 'document' : requirements.documentKinds[0] ?? 'document';
  const out: PdfDocument = { formatVersion: requirements.version, kind, metadata, sections, blocks };
  const report = validatePdfFormat(out, requirements);
  if (!report.valid) {
    fail(report.errors.map((e) => ({ path: e.path, message: `${e.message} ${e.hint}` })), 'to a valid document');
  }
  return out;
}
