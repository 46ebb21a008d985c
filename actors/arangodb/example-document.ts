import { CommsError } from '../../protocol/index.ts';
import type { PdfExampleQuery, PdfRequirements } from '../../protocol/pdf/index.ts';

type ExampleBlock = Record<string, unknown> & { id: string };

/** Fields a block type needs beyond the common ones, with the smallest values its schema accepts. */
const EXTRA: Record<string, (page: number) => Record<string, unknown>> = {
  SectionHeader: () => ({ level: 1, title: 'Introduction' }),
  ListGroup: () => ({ childIds: [] }),
  Table: () => ({ rows: 1, cols: 1, cells: [{ row: 0, col: 0, text: 'cell' }] }),
};

function fail(message: string, hint: string): never {
  throw new CommsError('E_SCHEMA_INVALID', message, { hint });
}

/**
 * The smallest pdf.document these requirements accept: one page, one section and one block per asked
 * type (Text by default), every required field filled. The caller validates it before answering.
 */
export function exampleDocument(requirements: PdfRequirements, query: PdfExampleQuery): Record<string, unknown> {
  const kind = query.kind ?? 'document';
  if (!requirements.documentKinds.includes(kind)) fail(`kind ${kind} is not one of ${requirements.documentKinds.join(', ')}`, 'ask for one of the requirements documentKinds');
  const types = query.blockTypes && query.blockTypes.length > 0 ? query.blockTypes : ['Text'];
  const unknown = types.filter((t) => !requirements.blockTypes.includes(t));
  if (unknown.length > 0) fail(`unknown block type(s) ${unknown.join(', ')}`, `use some of ${requirements.blockTypes.join(', ')}`);
  const blocks: ExampleBlock[] = types.map((blockType, n) => ({
    blockType,
    id: `/page/0/${blockType}/${n}`,
    page: 0,
    bbox: [72, 72 + n * 20, 540, 88 + n * 20],
    text: blockType === 'SectionHeader' ? 'Introduction' : `Example ${blockType} text.`,
    sectionId: 's1',
    ...(EXTRA[blockType]?.(0) ?? {}),
  }));
  return {
    formatVersion: requirements.version,
    kind,
    metadata: {
      title: 'Example',
      authors: [],
      pageCount: 1,
      source: { path: 'example.pdf', filename: 'example.pdf', bytes: 0 },
      encrypted: false,
      needsOcrPages: [],
    },
    sections: [{ id: 's1', title: 'Example', level: 1, parentId: null, pageStart: 0, pageEnd: 0, blockIds: blocks.map((b) => b.id) }],
    blocks,
  };
}
