import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The `pdf.document` exchange format (requirements version 1.x).
 *
 * Close in spirit to datalab marker's JSON output so marker-style producers map onto it directly:
 * block ids read `/page/{page}/{BlockType}/{n}`, pages are 0-based (as in marker ids), bboxes are
 * `[x0, y0, x1, y1]` in PDF points with the origin at the top-left of the (rotated) page, and
 * `sectionHierarchy` is marker's `section_hierarchy` except that values are section ids.
 * Objects are open (extra fields allowed) because minor versions add optional fields.
 */

export const BLOCK_ID_PATTERN = '^/page/[0-9]+/[A-Za-z]+/[0-9]+$';
export const SECTION_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';
const ISO_DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$';

export const BlockId = Type.String({ pattern: BLOCK_ID_PATTERN, description: 'marker-style id /page/{page}/{BlockType}/{n}, unique in the document' });
export const SectionId = Type.String({ pattern: SECTION_ID_PATTERN, description: 'section id, unique in the document' });
export const PageIndex = Type.Integer({ minimum: 0, description: '0-based page index, < metadata.pageCount' });
export const BBox = Type.Tuple([Type.Number(), Type.Number(), Type.Number(), Type.Number()], {
  description: '[x0, y0, x1, y1] in PDF points, origin top-left of the displayed page',
});
export const IsoDate = Type.String({ pattern: ISO_DATE_PATTERN, description: 'ISO 8601 date or date-time' });

export const BLOCK_TYPES = [
  'Text',
  'SectionHeader',
  'ListGroup',
  'ListItem',
  'Table',
  'Figure',
  'Caption',
  'Equation',
  'Code',
  'Footnote',
  'PageHeader',
  'PageFooter',
] as const;
export type BlockType = (typeof BLOCK_TYPES)[number];

const blockBase = {
  id: BlockId,
  page: PageIndex,
  bbox: BBox,
  text: Type.String({ description: 'plain text in reading order' }),
  html: Type.Optional(Type.String({ description: 'HTML rendering (marker style), optional' })),
  sectionId: Type.Optional(SectionId),
  sectionHierarchy: Type.Optional(
    Type.Record(Type.String({ pattern: '^[1-9]$' }), SectionId, {
      description: 'heading level -> id of the enclosing section at that level (marker section_hierarchy)',
    }),
  ),
  embedding: Type.Optional(Type.Array(Type.Number(), { description: 'vector per the requirements embedding spec' })),
};

function blockOf<T extends BlockType, P extends Record<string, TSchema>>(blockType: T, extra: P, description: string) {
  return Type.Object({ blockType: Type.Literal(blockType), ...blockBase, ...extra }, { $id: `pdf.block.${blockType}`, description });
}

export const TextBlock = blockOf(
  'Text',
  { toc: Type.Optional(Type.Boolean({ description: 'true for the lines of a table-of-contents page (they repeat headings, they are not headings)' })) },
  'paragraph of body text',
);
export const SectionHeaderBlock = blockOf(
  'SectionHeader',
  {
    level: Type.Integer({ minimum: 1, maximum: 9 }),
    source: Type.Optional(Type.Union([Type.Literal('outline'), Type.Literal('font'), Type.Literal('tag'), Type.Literal('converted')])),
    number: Type.Optional(Type.String({ description: 'printed section number, e.g. "3.2" or "IV"' })),
    label: Type.Optional(Type.String({ description: 'printed label word before the number, e.g. "Chapter", "File", "Package"' })),
    title: Type.Optional(Type.String({ description: 'the heading text without its label and number' })),
  },
  'heading; opens the section named by sectionId',
);
export const ListGroupBlock = blockOf('ListGroup', { childIds: Type.Array(BlockId) }, 'a list; childIds are its ListItem blocks');
export const ListItemBlock = blockOf(
  'ListItem',
  {
    marker: Type.Optional(Type.String({ description: 'bullet or number as printed, e.g. "•" or "3."' })),
    ordered: Type.Optional(Type.Boolean()),
    groupId: Type.Optional(BlockId),
  },
  'one list item',
);
export const TableCell = Type.Object({
  row: Type.Integer({ minimum: 0 }),
  col: Type.Integer({ minimum: 0 }),
  rowSpan: Type.Optional(Type.Integer({ minimum: 1 })),
  colSpan: Type.Optional(Type.Integer({ minimum: 1 })),
  text: Type.String(),
  bbox: Type.Optional(BBox),
  header: Type.Optional(Type.Boolean()),
});
export const TableBlock = blockOf(
  'Table',
  {
    rows: Type.Integer({ minimum: 0 }),
    cols: Type.Integer({ minimum: 0 }),
    cells: Type.Array(TableCell),
  },
  'table; cells indexed by 0-based row/col, row < rows, col < cols',
);
export const FigureBlock = blockOf(
  'Figure',
  {
    imageCount: Type.Optional(Type.Integer({ minimum: 0 })),
    captionId: Type.Optional(BlockId),
  },
  'image or drawing region; text is any text drawn inside it',
);
export const CaptionBlock = blockOf('Caption', { targetId: Type.Optional(BlockId) }, 'caption of a Figure or Table (targetId)');
export const EquationBlock = blockOf('Equation', { latex: Type.Optional(Type.String()) }, 'display equation');
export const CodeBlock = blockOf('Code', { language: Type.Optional(Type.String()) }, 'source code or monospaced listing');
export const FootnoteBlock = blockOf('Footnote', { label: Type.Optional(Type.String()) }, 'footnote text');
export const PageHeaderBlock = blockOf('PageHeader', {}, 'running header repeated on pages');
export const PageFooterBlock = blockOf('PageFooter', {}, 'running footer or page number');

export const BLOCK_SCHEMAS = {
  Text: TextBlock,
  SectionHeader: SectionHeaderBlock,
  ListGroup: ListGroupBlock,
  ListItem: ListItemBlock,
  Table: TableBlock,
  Figure: FigureBlock,
  Caption: CaptionBlock,
  Equation: EquationBlock,
  Code: CodeBlock,
  Footnote: FootnoteBlock,
  PageHeader: PageHeaderBlock,
  PageFooter: PageFooterBlock,
} as const;

export const Block = Type.Union(
  [
    TextBlock,
    SectionHeaderBlock,
    ListGroupBlock,
    ListItemBlock,
    TableBlock,
    FigureBlock,
    CaptionBlock,
    EquationBlock,
    CodeBlock,
    FootnoteBlock,
    PageHeaderBlock,
    PageFooterBlock,
  ],
  { discriminator: 'blockType' },
);

export const Section = Type.Object({
  id: SectionId,
  title: Type.String(),
  level: Type.Integer({ minimum: 1, maximum: 9 }),
  parentId: Type.Union([SectionId, Type.Null()], { description: 'enclosing section, null at top level; its level is lower' }),
  pageStart: PageIndex,
  pageEnd: PageIndex,
  headerBlockId: Type.Optional(BlockId),
  blockIds: Type.Array(BlockId, { description: 'blocks directly in this section (not in subsections), reading order' }),
});

export const PdfSource = Type.Object({
  path: Type.String({ description: 'path the producer read, as given' }),
  filename: Type.String({ minLength: 1 }),
  bytes: Type.Integer({ minimum: 0 }),
});

export const PdfMetadata = Type.Object({
  title: Type.Optional(Type.String()),
  authors: Type.Array(Type.String()),
  subject: Type.Optional(Type.String()),
  keywords: Type.Optional(Type.Array(Type.String())),
  created: Type.Optional(IsoDate),
  modified: Type.Optional(IsoDate),
  language: Type.Optional(Type.String({ description: 'BCP 47 tag, e.g. en, de-DE' })),
  producer: Type.Optional(Type.String()),
  creator: Type.Optional(Type.String()),
  pdfVersion: Type.Optional(Type.String()),
  pageCount: Type.Integer({ minimum: 0 }),
  source: PdfSource,
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  encrypted: Type.Boolean(),
  needsOcrPages: Type.Array(PageIndex, { description: 'pages with (almost) no text layer but images: OCR them' }),
});

export const PdfPage = Type.Object({
  index: PageIndex,
  width: Type.Number({ minimum: 0 }),
  height: Type.Number({ minimum: 0 }),
  rotation: Type.Integer(),
  textChars: Type.Integer({ minimum: 0 }),
  imageCount: Type.Integer({ minimum: 0 }),
  quality: Type.Optional(Type.Array(Type.String(), { description: 'notes on text that was repaired or still looks undecodable' })),
});

export const OutlineEntry = Type.Object({
  title: Type.String(),
  level: Type.Integer({ minimum: 1 }),
  page: Type.Union([PageIndex, Type.Null()]),
});

export const PdfDocument = Type.Object(
  {
    formatVersion: Type.String({ description: 'requirements version the document was written for, e.g. 1.0.0' }),
    kind: Type.String({ description: 'document kind, one of the requirements documentKinds' }),
    metadata: PdfMetadata,
    pages: Type.Optional(Type.Array(PdfPage)),
    outline: Type.Optional(Type.Array(OutlineEntry)),
    sections: Type.Array(Section),
    blocks: Type.Array(Block),
  },
  { $id: 'pdf.document', title: 'pdf.document', description: 'A PDF converted to sections and blocks for ingestion' },
);

export type BBox = Static<typeof BBox>;
export type Block = Static<typeof Block>;
export type Section = Static<typeof Section>;
export type TableCell = Static<typeof TableCell>;
export type PdfMetadata = Static<typeof PdfMetadata>;
export type PdfPage = Static<typeof PdfPage>;
export type OutlineEntry = Static<typeof OutlineEntry>;
export type PdfDocument = Static<typeof PdfDocument>;
export type BlockOf<T extends BlockType> = Extract<Block, { blockType: T }>;
