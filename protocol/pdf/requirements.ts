import { Type, type Static } from '@sinclair/typebox';
import { CommsError } from '../errors.ts';
import { BLOCK_TYPES, PdfDocument } from './document.ts';
import { PDF_REQUIREMENTS_MAJOR, PDF_REQUIREMENTS_VERSION, parseVersion } from './version.ts';

export const PDF_REQUIREMENTS_QUERY_SCHEMA_ID = 'pdf.requirements.query@1';
export const PDF_REQUIREMENTS_SCHEMA_ID = 'pdf.requirements@1';

export const DOCUMENT_KINDS = ['document', 'article', 'report', 'manual', 'form', 'slides', 'scan', 'table'] as const;

/** Body of `pdf.requirements.query@1`. */
export const PdfRequirementsQuery = Type.Object(
  {
    documentKinds: Type.Optional(Type.Array(Type.String(), { description: 'kinds the requester will send; default all' })),
    fields: Type.Optional(
      Type.Array(Type.String(), { description: 'field paths the requester wants described, e.g. metadata.title, blocks.Table; default all' }),
    ),
    acceptVersions: Type.Optional(Type.Array(Type.String(), { description: 'requirement majors the requester understands, e.g. ["1"]' })),
  },
  { $id: PDF_REQUIREMENTS_QUERY_SCHEMA_ID },
);
export type PdfRequirementsQuery = Static<typeof PdfRequirementsQuery>;

export const EmbeddingSpec = Type.Object({
  model: Type.String(),
  dimensions: Type.Integer({ minimum: 1 }),
  metric: Type.Union([Type.Literal('cosine'), Type.Literal('dot'), Type.Literal('euclidean')]),
  normalize: Type.Boolean(),
  fields: Type.Array(Type.String(), { description: 'field paths whose text is embedded' }),
  attribute: Type.String({ description: 'attribute holding the vector in the stored record' }),
  maxTokens: Type.Integer({ minimum: 1, description: 'texts are truncated to this many model tokens' }),
  computedBy: Type.Union([Type.Literal('producer'), Type.Literal('ingester')], {
    description: 'producer: the sender fills block.embedding; ingester: the receiver computes vectors (only when provided is true)',
  }),
  provided: Type.Boolean({ description: 'true when the ingester really writes vectors; false: no record gets an embedding attribute, see reason' }),
  reason: Type.Optional(Type.String({ description: 'why no vectors are written, when provided is false' })),
});
export type EmbeddingSpec = Static<typeof EmbeddingSpec>;

/** Body of `pdf.requirements@1`. */
export const PdfRequirements = Type.Object(
  {
    schemaId: Type.Literal('pdf.document'),
    version: Type.String(),
    jsonSchema: Type.Unknown({ description: 'JSON Schema (draft 7 compatible, TypeBox) of pdf.document' }),
    required: Type.Array(Type.String(), { description: 'field paths that must be present' }),
    blockTypes: Type.Array(Type.String()),
    documentKinds: Type.Array(Type.String()),
    mappingNotes: Type.Record(Type.String(), Type.String(), { description: 'field path -> how to fill it (marker JSON, pdf.js)' }),
    embedding: EmbeddingSpec,
    limits: Type.Object({
      maxBlocks: Type.Integer({ minimum: 1 }),
      maxTextPerBlock: Type.Integer({ minimum: 1 }),
    }),
  },
  { $id: PDF_REQUIREMENTS_SCHEMA_ID },
);
export type PdfRequirements = Static<typeof PdfRequirements>;

const REQUIRED_FIELDS = [
  'formatVersion',
  'kind',
  'metadata.pageCount',
  'metadata.source.filename',
  'metadata.source.path',
  'metadata.source.bytes',
  'metadata.authors',
  'metadata.encrypted',
  'metadata.needsOcrPages',
  'sections',
  'blocks',
  'blocks.id',
  'blocks.blockType',
  'blocks.page',
  'blocks.bbox',
  'blocks.text',
];

/** Field path -> how a producer fills it. Keys of the form `blocks.<Type>` describe a block type. */
const MAPPING_NOTES: Record<string, string> = {
  formatVersion: `The requirements version you wrote the document for (${PDF_REQUIREMENTS_VERSION}). Any 1.x is accepted.`,
  kind: `One of documentKinds. Use "scan" when every page needs OCR; "document" when unsure.`,
  'metadata.title': 'PDF Info /Title, else XMP dc:title, else the first level-1 heading. marker: metadata.title if present.',
  'metadata.authors': 'PDF Info /Author split on ";" or " and ", else XMP dc:creator entries. Empty array when unknown.',
  'metadata.created': 'Info /CreationDate (D:YYYYMMDDHHmmSSOHH\'mm\') or XMP xmp:CreateDate, as ISO 8601.',
  'metadata.modified': 'Info /ModDate or XMP xmp:ModifyDate, as ISO 8601.',
  'metadata.language': 'Catalog /Lang or XMP dc:language, as BCP 47 (e.g. "en-US").',
  'metadata.pageCount': 'Number of pages in the PDF (pdf.js numPages), even when fewer pages were extracted.',
  'metadata.source': 'path as given to the extractor, filename = basename(path), bytes = file size.',
  'metadata.sha256': 'Lower-case hex SHA-256 of the file bytes. Used as the document key; strongly recommended.',
  'metadata.encrypted': 'True when the file has an /Encrypt dictionary (even with an empty user password).',
  'metadata.needsOcrPages': '0-based pages with fewer than ~10 text characters but at least one image.',
  pages: 'Optional per-page facts: size in points after /Rotate, rotation, character and image counts.',
  outline: 'Optional PDF bookmarks: title, level (1 = top), 0-based page or null when the target is not a page.',
  sections:
    'One per heading, ordered as in the document. parentId = nearest preceding section with a lower level. marker: derive from section_hierarchy.',
  'sections.level': 'Heading level 1..9, 1 = top. marker: the <hN> tag of the SectionHeader html.',
  'sections.blockIds': 'Ids of blocks directly inside the section (not in subsections), reading order.',
  'sections.pageStart': '0-based page of the heading; pageEnd = page of the last block before the next section at the same or lower level.',
  blocks: 'Every content block in reading order across pages. marker: flatten Document.children[*] (Page) .children recursively.',
  'blocks.id': 'marker id as is (/page/0/SectionHeader/1). Otherwise /page/{page}/{blockType}/{n}, n unique per page and type.',
  'blocks.blockType': `One of ${BLOCK_TYPES.join(', ')}. marker: block_type; Picture -> Figure, TextInlineMath/Handwriting/Form -> Text, Table/TableOfContents -> Table, *Group -> flattened.`,
  'blocks.page': '0-based page index. marker: the number after /page/ in the id.',
  'blocks.bbox': '[x0, y0, x1, y1] points, top-left origin. marker: bbox as is, or min/max of polygon.',
  'blocks.text': 'Plain text; marker: html with tags stripped and entities decoded.',
  'blocks.html': 'Optional HTML; marker: html as is.',
  'blocks.sectionId': 'Section the block belongs to (the deepest open one).',
  'blocks.sectionHierarchy': 'Level -> section id for every open heading. marker: section_hierarchy with block ids replaced by section ids.',
  'blocks.Text': 'Paragraph. Lines joined with spaces; hyphenated line ends joined.',
  'blocks.SectionHeader': 'Heading; level 1..9, source = outline | font | tag | converted.',
  'blocks.ListGroup': 'A list: childIds = its ListItem ids in order.',
  'blocks.ListItem': 'marker = printed bullet/number, ordered = numbered, groupId = its ListGroup.',
  'blocks.Table': 'rows, cols and cells {row, col, text, rowSpan?, colSpan?, header?}; text = cells joined by tabs and newlines.',
  'blocks.Figure': 'Image region (image drawing operators or marker Picture/Figure); captionId when a Caption refers to it.',
  'blocks.Caption': 'Text starting "Figure n"/"Table n"; targetId = nearest Figure or Table on the page.',
  'blocks.Equation': 'Display equation; latex when known (marker: Equation html <math>).',
  'blocks.Code': 'Monospaced block; language when known.',
  'blocks.Footnote': 'Small-font text at the page bottom; label = its mark.',
  'blocks.PageHeader': 'Running header (text repeated at the top of many pages).',
  'blocks.PageFooter': 'Running footer or page number at the bottom.',
};

/** Why the ingester writes no vectors when it runs without a provider: the spec says so rather than promise them (docs/embeddings.md). */
export const NO_EMBEDDING_PROVIDER_REASON = 'no embedding provider configured (start arangodb with --embeddings or COMMS_EMBEDDINGS): the ingester writes no embeddings';

/** The ingester's embedding provider, when it has one: the spec then says vectors are provided, by this model. */
export interface EmbeddingIngester {
  model: string;
}

const EMBEDDING: EmbeddingSpec = {
  model: 'sentence-transformers/all-MiniLM-L6-v2',
  dimensions: 384,
  metric: 'cosine',
  normalize: true,
  fields: ['sections.title', 'blocks.text'],
  attribute: 'embedding',
  maxTokens: 256,
  computedBy: 'ingester',
  provided: false,
  reason: NO_EMBEDDING_PROVIDER_REASON,
};

export const KNOWN_FIELDS: readonly string[] = Object.freeze(
  [...new Set([...REQUIRED_FIELDS, ...Object.keys(MAPPING_NOTES)])].sort(),
);

function embeddingSpec(ingester: EmbeddingIngester | undefined): EmbeddingSpec {
  if (!ingester) return { ...EMBEDDING, fields: [...EMBEDDING.fields] };
  const { reason: _none, ...spec } = EMBEDDING;
  return { ...spec, fields: [...EMBEDDING.fields], model: ingester.model, provided: true };
}

function fieldMatches(asked: string, field: string): boolean {
  return field === asked || field.startsWith(`${asked}.`) || asked.startsWith(`${field}.`);
}

/**
 * Answer a `pdf.requirements.query@1`. `documentKinds` and `fields` narrow the answer (unknown names
 * are an E_SCHEMA_INVALID so typos surface); the JSON Schema is always complete because a
 * document is validated as a whole.
 */
export function buildPdfRequirements(query: PdfRequirementsQuery = {}, ingester?: EmbeddingIngester): PdfRequirements {
  if (query.acceptVersions && query.acceptVersions.length > 0) {
    const majors = query.acceptVersions.map((v) => {
      try {
        return parseVersion(v).major;
      } catch {
        return Number.NaN;
      }
    });
    if (!majors.includes(PDF_REQUIREMENTS_MAJOR)) {
      throw new CommsError(
        'E_VERSION_UNSUPPORTED',
        `pdf.requirements is only available at major ${PDF_REQUIREMENTS_MAJOR} (${PDF_REQUIREMENTS_VERSION}); the query accepts ${query.acceptVersions.join(', ')}. Add "${PDF_REQUIREMENTS_MAJOR}" to acceptVersions.`,
        { supported: [String(PDF_REQUIREMENTS_MAJOR)], asked: query.acceptVersions },
      );
    }
  }

  let documentKinds: string[] = [...DOCUMENT_KINDS];
  if (query.documentKinds && query.documentKinds.length > 0) {
    const unknown = query.documentKinds.filter((k) => !(DOCUMENT_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      throw new CommsError('E_SCHEMA_INVALID', `Unknown document kind(s) ${unknown.join(', ')}; known kinds: ${DOCUMENT_KINDS.join(', ')}.`, {
        unknown,
        known: DOCUMENT_KINDS,
      });
    }
    documentKinds = DOCUMENT_KINDS.filter((k) => query.documentKinds!.includes(k));
  }

  let mappingNotes: Record<string, string> = { ...MAPPING_NOTES };
  if (query.fields && query.fields.length > 0) {
    const unknown = query.fields.filter((f) => !KNOWN_FIELDS.some((k) => fieldMatches(f, k)));
    if (unknown.length > 0) {
      throw new CommsError('E_SCHEMA_INVALID', `Unknown field(s) ${unknown.join(', ')}; known fields: ${KNOWN_FIELDS.join(', ')}.`, {
        unknown,
        known: KNOWN_FIELDS,
      });
    }
    const asked = query.fields;
    // Notes for the asked field and everything under it; parents ("blocks" for blocks.Table) are not repeated.
    mappingNotes = Object.fromEntries(Object.entries(MAPPING_NOTES).filter(([k]) => asked.some((f) => k === f || k.startsWith(`${f}.`))));
  }

  return {
    schemaId: 'pdf.document',
    version: PDF_REQUIREMENTS_VERSION,
    // JSON round trip drops TypeBox's symbol keys: what goes on the wire is plain JSON Schema.
    jsonSchema: JSON.parse(JSON.stringify(PdfDocument)) as unknown,
    required: [...REQUIRED_FIELDS],
    // Always all types: `fields` narrows the notes only, a document is still validated whole.
    blockTypes: [...BLOCK_TYPES],
    documentKinds,
    mappingNotes,
    embedding: embeddingSpec(ingester),
    limits: { maxBlocks: 200_000, maxTextPerBlock: 100_000 },
  };
}
