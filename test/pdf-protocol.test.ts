import { expect } from 'chai';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { CommsError } from '../protocol/index.ts';
import { convertToRequiredFormat, htmlToText, parseHtmlTable } from '../conversion/index.ts';
import {
  DocumentIngest,
  DocumentIngestResult,
  NO_EMBEDDING_PROVIDER_REASON,
  PDF_REQUIREMENTS_VERSION,
  PdfDocument,
  PdfRequirements,
  PdfRequirementsQuery,
  buildPdfRequirements,
  isCompatibleVersion,
  validatePdfFormat,
} from '../protocol/pdf/index.ts';

function sampleDoc(): PdfDocument {
  return {
    formatVersion: '1.0.0',
    kind: 'article',
    metadata: {
      title: 'Sample',
      authors: ['A. Author'],
      pageCount: 2,
      source: { path: '/tmp/sample.pdf', filename: 'sample.pdf', bytes: 1234 },
      sha256: 'a'.repeat(64),
      encrypted: false,
      needsOcrPages: [],
    },
    sections: [
      { id: 'sec-1', title: 'Intro', level: 1, parentId: null, pageStart: 0, pageEnd: 0, headerBlockId: '/page/0/SectionHeader/0', blockIds: ['/page/0/SectionHeader/0', '/page/0/Text/0'] },
      { id: 'sec-2', title: 'Detail', level: 2, parentId: 'sec-1', pageStart: 1, pageEnd: 1, headerBlockId: '/page/1/SectionHeader/0', blockIds: ['/page/1/SectionHeader/0', '/page/1/Table/0'] },
    ],
    blocks: [
      { blockType: 'SectionHeader', id: '/page/0/SectionHeader/0', page: 0, bbox: [10, 10, 200, 30], text: 'Intro', level: 1, sectionId: 'sec-1', sectionHierarchy: { '1': 'sec-1' } },
      { blockType: 'Text', id: '/page/0/Text/0', page: 0, bbox: [10, 40, 500, 90], text: 'Hello world.', sectionId: 'sec-1', sectionHierarchy: { '1': 'sec-1' } },
      { blockType: 'SectionHeader', id: '/page/1/SectionHeader/0', page: 1, bbox: [10, 10, 200, 30], text: 'Detail', level: 2, sectionId: 'sec-2', sectionHierarchy: { '1': 'sec-1', '2': 'sec-2' } },
      {
        blockType: 'Table',
        id: '/page/1/Table/0',
        page: 1,
        bbox: [10, 40, 500, 200],
        text: 'a\tb',
        rows: 1,
        cols: 2,
        cells: [
          { row: 0, col: 0, text: 'a' },
          { row: 0, col: 1, text: 'b' },
        ],
        sectionId: 'sec-2',
      },
    ],
  };
}

describe('protocol/pdf', () => {
  const req = buildPdfRequirements();

  describe('versioning', () => {
    it('is compatible within a major only', () => {
      expect(PDF_REQUIREMENTS_VERSION).to.equal('1.0.0');
      expect(isCompatibleVersion('1.0.0', '1.4.2')).to.equal(true);
      expect(isCompatibleVersion('1.3.0', '1')).to.equal(true);
      expect(isCompatibleVersion('2.0.0', '1.0.0')).to.equal(false);
      expect(isCompatibleVersion('0.9.0', '1.0.0')).to.equal(false);
      expect(isCompatibleVersion('banana', '1.0.0')).to.equal(false);
    });
  });

  describe('buildPdfRequirements', () => {
    it('returns a full requirements body that matches its own schema', () => {
      expect(TypeCompiler.Compile(PdfRequirements).Check(req)).to.equal(true);
      expect(req.schemaId).to.equal('pdf.document');
      expect(req.version).to.equal('1.0.0');
      expect(req.blockTypes).to.include.members(['Text', 'SectionHeader', 'Table', 'Figure', 'Equation', 'ListItem']);
      expect(req.embedding.dimensions).to.equal(384);
      expect(req.embedding.metric).to.equal('cosine');
      expect(req.embedding).to.deep.include({ provided: false, reason: NO_EMBEDDING_PROVIDER_REASON });
      expect(req.required).to.include('metadata.pageCount');
      expect(req.mappingNotes['blocks.bbox']).to.match(/polygon/);
      // The JSON schema is plain JSON (no TypeBox symbols) and still validates documents.
      const schema = req.jsonSchema as { $id: string; properties: Record<string, unknown> };
      expect(schema.$id).to.equal('pdf.document');
      expect(Object.keys(schema.properties)).to.include.members(['metadata', 'sections', 'blocks']);
      expect(JSON.parse(JSON.stringify(req))).to.deep.equal(req);
    });

    it('narrows to the kinds and fields asked for', () => {
      const q = { documentKinds: ['manual', 'article'], fields: ['metadata.title', 'blocks.Table'], acceptVersions: ['1'] };
      expect(Value.Check(PdfRequirementsQuery, q)).to.equal(true);
      const r = buildPdfRequirements(q);
      expect(r.documentKinds).to.deep.equal(['article', 'manual']);
      expect(Object.keys(r.mappingNotes).sort()).to.deep.equal(['blocks.Table', 'metadata.title']);
      expect(r.blockTypes.length).to.equal(req.blockTypes.length);
    });

    it('rejects majors it does not speak and unknown names', () => {
      const err = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return e as CommsError;
        }
        throw new Error('expected a throw');
      };
      expect(err(() => buildPdfRequirements({ acceptVersions: ['2'] })).code).to.equal('E_VERSION_UNSUPPORTED');
      expect(buildPdfRequirements({ acceptVersions: ['2', '1.1'] }).version).to.equal('1.0.0');
      expect(err(() => buildPdfRequirements({ documentKinds: ['novel'] })).code).to.equal('E_SCHEMA_INVALID');
      expect(err(() => buildPdfRequirements({ fields: ['metadata.colour'] })).message).to.match(/metadata\.colour/);
    });
  });

  describe('validatePdfFormat', () => {
    it('accepts a consistent document', () => {
      const doc = sampleDoc();
      expect(Value.Check(PdfDocument, doc)).to.equal(true);
      expect(validatePdfFormat(doc, req)).to.deep.equal({ valid: true, errors: [] });
      expect(Value.Check(DocumentIngest, { requirementsVersion: '1.0.0', document: doc })).to.equal(true);
    });

    it('names schema errors with JSON pointers and hints, per block type', () => {
      const doc = sampleDoc() as unknown as { blocks: Array<Record<string, unknown>>; metadata: Record<string, unknown> };
      delete doc.blocks[1]!['bbox'];
      doc.blocks[3]!['rows'] = 'one';
      delete doc.metadata['pageCount'];
      doc.blocks.push({ blockType: 'Marquee', id: '/page/0/Marquee/0', page: 0, bbox: [0, 0, 1, 1], text: '' });
      const r = validatePdfFormat(doc, req);
      expect(r.valid).to.equal(false);
      const paths = r.errors.map((e) => e.path);
      expect(paths).to.include('/blocks/1/bbox');
      expect(paths).to.include('/blocks/3/rows');
      expect(paths).to.include('/metadata/pageCount');
      expect(paths).to.include('/blocks/4/blockType');
      for (const e of r.errors) {
        expect(e.path).to.match(/^\//);
        expect(e.hint.length).to.be.greaterThan(5);
      }
      expect(r.errors.find((e) => e.path === '/blocks/1/bbox')!.hint).to.match(/bbox/);
    });

    it('finds what a schema cannot: duplicates, dangling references, pages, levels', () => {
      const doc = sampleDoc();
      doc.blocks[1]!.id = '/page/0/SectionHeader/0'; // duplicate id and wrong type segment
      doc.blocks[3]!.page = 5; // beyond pageCount 2
      doc.sections[1]!.parentId = 'sec-9';
      doc.sections[0]!.blockIds.push('/page/9/Text/9');
      doc.sections.push({ id: 'sec-3', title: 'X', level: 1, parentId: 'sec-1', pageStart: 0, pageEnd: 0, blockIds: [] });
      doc.blocks[0]!.sectionId = 'sec-nope';
      const t = doc.blocks[3]!;
      if (t.blockType === 'Table') t.cells.push({ row: 3, col: 0, text: 'x' });
      const r = validatePdfFormat(doc, req);
      const byPath = new Map(r.errors.map((e) => [e.path, e]));
      expect(r.valid).to.equal(false);
      expect(byPath.get('/blocks/1/id')!.message).to.match(/used twice|names type/);
      expect(byPath.get('/blocks/3/page')!.message).to.match(/out of range/);
      expect(byPath.get('/sections/1/parentId')!.message).to.match(/does not exist/);
      expect(byPath.get('/sections/0/blockIds/2')!.message).to.match(/does not exist/);
      expect(byPath.get('/sections/2/level')!.message).to.match(/not deeper/);
      expect(byPath.get('/blocks/0/sectionId')).to.not.equal(undefined);
      expect(byPath.get('/blocks/3/cells/2')!.message).to.match(/outside/);
    });

    it('rejects an incompatible formatVersion and an unaccepted kind', () => {
      const doc = sampleDoc();
      doc.formatVersion = '2.0.0';
      const r = validatePdfFormat(doc, buildPdfRequirements({ documentKinds: ['manual'] }));
      expect(r.errors.map((e) => e.path)).to.have.members(['/formatVersion', '/kind']);
    });
  });

  describe('convertToRequiredFormat', () => {
    it('returns a valid current document unchanged', () => {
      const doc = sampleDoc();
      expect(convertToRequiredFormat(doc, req)).to.deep.equal(doc);
    });

    it('converts marker JSON output', () => {
      const marker = {
        block_type: 'Document',
        children: [
          {
            id: '/page/0/Page/0',
            block_type: 'Page',
            html: '',
            polygon: [[0, 0], [612, 0], [612, 792], [0, 792]],
            children: [
              { id: '/page/0/SectionHeader/0', block_type: 'SectionHeader', html: '<h1>Intro &amp; Scope</h1>', polygon: [[50, 40], [300, 40], [300, 60], [50, 60]], section_hierarchy: { '1': '/page/0/SectionHeader/0' } },
              { id: '/page/0/Text/1', block_type: 'Text', html: '<p>Body <b>text</b>.</p>', bbox: [50, 70, 560, 120], section_hierarchy: { '1': '/page/0/SectionHeader/0' } },
              {
                id: '/page/0/ListGroup/2',
                block_type: 'ListGroup',
                html: '<ul><li>one</li><li>two</li></ul>',
                bbox: [50, 130, 560, 170],
                children: [
                  { id: '/page/0/ListItem/3', block_type: 'ListItem', html: '<li>• one</li>', bbox: [50, 130, 560, 150] },
                  { id: '/page/0/ListItem/4', block_type: 'ListItem', html: '<li>• two</li>', bbox: [50, 150, 560, 170] },
                ],
              },
            ],
          },
          {
            id: '/page/1/Page/0',
            block_type: 'Page',
            children: [
              { id: '/page/1/SectionHeader/0', block_type: 'SectionHeader', html: '<h2>Data</h2>', bbox: [50, 40, 300, 60], section_hierarchy: { '1': '/page/0/SectionHeader/0', '2': '/page/1/SectionHeader/0' } },
              { id: '/page/1/Table/1', block_type: 'Table', html: '<table><tr><th>k</th><th>v</th></tr><tr><td colspan="2">wide</td></tr></table>', bbox: [50, 70, 560, 200] },
              { id: '/page/1/Picture/2', block_type: 'Picture', html: '', bbox: [50, 210, 300, 400] },
              { id: '/page/1/Caption/3', block_type: 'Caption', html: '<p>Figure 1: a picture</p>', bbox: [50, 405, 300, 420] },
            ],
          },
        ],
        metadata: { table_of_contents: [] },
      };
      const out = convertToRequiredFormat(marker, req, { source: { path: '/x/m.pdf', filename: 'm.pdf', bytes: 10 } });
      expect(validatePdfFormat(out, req).valid).to.equal(true);
      expect(out.metadata.pageCount).to.equal(2);
      expect(out.metadata.title).to.equal('Intro & Scope');
      expect(out.blocks.map((b) => b.blockType)).to.deep.equal(['SectionHeader', 'Text', 'ListGroup', 'ListItem', 'ListItem', 'SectionHeader', 'Table', 'Figure', 'Caption']);
      expect(out.blocks[1]!.text).to.equal('Body text.');
      expect(out.blocks[0]!.bbox).to.deep.equal([50, 40, 300, 60]);
      const table = out.blocks[6]!;
      expect(table.blockType === 'Table' && table.rows === 2 && table.cols === 2 && table.cells[2]!.colSpan === 2).to.equal(true);
      expect(out.blocks[7]!.id).to.equal('/page/1/Figure/0');
      const list = out.blocks[2]!;
      expect(list.blockType === 'ListGroup' && list.childIds).to.deep.equal(['/page/0/ListItem/3', '/page/0/ListItem/4']);
      expect(out.sections.map((s) => [s.title, s.level, s.parentId])).to.deep.equal([
        ['Intro & Scope', 1, null],
        ['Data', 2, 'sec-1'],
      ]);
      expect(out.blocks[6]!.sectionHierarchy).to.deep.equal({ '1': 'sec-1', '2': 'sec-2' });
    });

    it('converts a loose pre-1.0 draft of our own format', () => {
      const old = {
        version: '0.3',
        title: 'Old',
        author: 'Ann; Bob',
        creationDate: "D:20200102030405+01'00'",
        filename: 'old.pdf',
        numPages: 3,
        blocks: [
          { type: 'heading', level: 1, pageNumber: 1, bbox: { x: 10, y: 10, width: 100, height: 20 }, text: 'Chapter' },
          { type: 'paragraph', pageNumber: 1, bbox: [10, 40, 300, 80], content: 'Words.' },
          { type: 'table', pageNumber: 3, bbox: [10, 40, 300, 80], rows: [['a', 'b'], ['c', 'd']] },
        ],
      };
      const out = convertToRequiredFormat(old, req);
      expect(out.formatVersion).to.equal('1.0.0');
      expect(out.metadata.authors).to.deep.equal(['Ann', 'Bob']);
      expect(out.metadata.created).to.equal('2020-01-02T02:04:05.000Z');
      expect(out.metadata.pageCount).to.equal(3);
      expect(out.blocks[0]!.bbox).to.deep.equal([10, 10, 110, 30]);
      expect(out.blocks[2]!.id).to.equal('/page/2/Table/0');
      expect(out.sections).to.have.length(1);
      expect(out.sections[0]!.pageEnd).to.equal(2);
    });

    it('lists what it could not convert', () => {
      try {
        convertToRequiredFormat({ blocks: [{ type: 'hologram', page: 0, text: 'x' }, { type: 'paragraph', text: 'no page' }] }, req);
        expect.fail('should throw');
      } catch (e) {
        expect(e).to.be.instanceOf(CommsError);
        const ce = e as CommsError;
        expect(ce.code).to.equal('E_DOCUMENT_INVALID');
        expect(ce.message).to.match(/\/blocks\/0: unknown block type "hologram"/);
        expect(ce.message).to.match(/\/blocks\/1: no page/);
      }
      try {
        convertToRequiredFormat({ formatVersion: '3.0.0', blocks: [] }, req);
        expect.fail('should throw');
      } catch (e) {
        expect((e as CommsError).code).to.equal('E_VERSION_UNSUPPORTED');
      }
    });
  });

  it('parseHtmlTable caps hostile row/col spans instead of hanging', () => {
    const t = parseHtmlTable('<table><tr><td colspan="1000000000" rowspan="1000000000">x</td><td>y</td></tr><tr><td>z</td></tr></table>');
    expect(t.rows).to.equal(2);
    expect(t.cells.map((c) => [c.row, c.col, c.text])).to.deep.equal([[0, 0, 'x'], [0, 1000, 'y'], [1, 1000, 'z']]);
  });

  it('parseHtmlTable reads attributes, entities and nested tags as a browser would', () => {
    const t = parseHtmlTable(
      '<table class="t"><thead><tr><TH scope=col>Name &amp; role</TH><th data-x="a>b">Caf&eacute; &#x41;&#66;</th></tr></thead>' +
        '<tbody><tr><td colspan=\'2\' class="w"><b>bold</b> <i>it</i><br>line&nbsp;2</td></tr>' +
        '<tr><td rowspan="2"><span><em>deep</em></span></td><td>&lt;x&gt;</td></tr><tr><td>last</td></tr></tbody></table>',
    );
    expect(t).to.deep.equal({
      rows: 4,
      cols: 2,
      cells: [
        { row: 0, col: 0, text: 'Name & role', header: true },
        { row: 0, col: 1, text: 'Café AB', header: true },
        { row: 1, col: 0, text: 'bold it line 2', colSpan: 2 },
        { row: 2, col: 0, text: 'deep', rowSpan: 2 },
        { row: 2, col: 1, text: '<x>' },
        { row: 3, col: 1, text: 'last' },
      ],
    });
  });

  it('parseHtmlTable keeps a table nested in a cell as that cell text', () => {
    const t = parseHtmlTable('<table><tr><td>a<table><tr><td>in1</td><td>in2</td></tr></table></td><td>b</td></tr></table>');
    expect(t.rows).to.equal(1);
    expect(t.cells.map((c) => [c.row, c.col, c.text])).to.deep.equal([[0, 0, 'a in1 in2'], [0, 1, 'b']]);
  });

  it('htmlToText breaks lines at block ends and decodes entities', () => {
    expect(htmlToText('<p>a &lt; b&nbsp;c</p><div>d<br/>e</div>\n\n<h2 class="x">  f   g </h2>')).to.equal('a < b c\nd\ne\nf g');
    expect(htmlToText('plain &quot;q&quot; &apos;s&apos; &#8212; &eacute;')).to.equal('plain "q" \'s\' — é');
  });

  it('ingest result schema accepts a realistic body', () => {
    const body = {
      documentKey: 'abc',
      requirementsVersion: '1.0.0',
      counts: { documents: 1, sections: 2, blocks: 4, contains: 6, next: 3, references: 0 },
      outputs: { documents: '/tmp/out/documents.jsonl' },
      arango: { written: false },
      embeddings: { written: 0, reason: NO_EMBEDDING_PROVIDER_REASON },
    };
    expect(Value.Check(DocumentIngestResult, body)).to.equal(true);
    // A result that is silent about embeddings is not one.
    const { embeddings: _dropped, ...silent } = body;
    expect(Value.Check(DocumentIngestResult, silent)).to.equal(false);
  });
});
