import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { BLOCK_SCHEMAS, BLOCK_TYPES, PdfDocument, type BlockType } from './document.ts';
import type { PdfRequirements } from './requirements.ts';
import { isCompatibleVersion } from './version.ts';

export interface PdfFormatError {
  /** JSON pointer (RFC 6901) into the document. */
  path: string;
  message: string;
  /** What to change to fix it. */
  hint: string;
}

export interface PdfFormatReport {
  valid: boolean;
  errors: PdfFormatError[];
}

/** A broken document can produce one error per block; past this many the rest add nothing. */
const MAX_ERRORS = 200;

let compiled: { doc: TypeCheck<typeof PdfDocument>; blocks: Map<string, TypeCheck<TSchema>> } | undefined;
function checkers() {
  compiled ??= {
    doc: TypeCompiler.Compile(PdfDocument),
    blocks: new Map(Object.entries(BLOCK_SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s as TSchema)])),
  };
  return compiled;
}

function escapePointer(seg: string | number): string {
  return String(seg).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `/blocks/3/bbox/0` -> `blocks.bbox`, the key used in requirements.mappingNotes. */
function fieldOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .filter((s) => !/^\d+$/.test(s))
    .join('.');
}

function noteFor(pointer: string, req: PdfRequirements, blockType?: string): string {
  const notes = req.mappingNotes;
  let field = fieldOf(pointer);
  while (field) {
    if (notes[field]) return ` (${field}: ${notes[field]})`;
    field = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : '';
  }
  if (blockType && notes[`blocks.${blockType}`]) return ` (${blockType}: ${notes[`blocks.${blockType}`]})`;
  return '';
}

function describe(schema: TSchema): string {
  const parts: string[] = [];
  const t = schema['type'];
  if (typeof t === 'string') parts.push(t);
  if ('const' in schema) parts.push(`the value ${JSON.stringify(schema['const'])}`);
  if (typeof schema['pattern'] === 'string') parts.push(`matching ${schema['pattern']}`);
  if (typeof schema['minimum'] === 'number') parts.push(`>= ${schema['minimum']}`);
  if (typeof schema['maximum'] === 'number') parts.push(`<= ${schema['maximum']}`);
  if (typeof schema['minLength'] === 'number') parts.push(`at least ${schema['minLength']} characters`);
  if (typeof schema['description'] === 'string') parts.push(`— ${schema['description']}`);
  return parts.join(' ') || 'a value of the documented type';
}

function hintForSchemaError(e: ValueError, req: PdfRequirements, blockType?: string): string {
  const note = noteFor(e.path, req, blockType);
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty: {
      const name = e.path.slice(e.path.lastIndexOf('/') + 1);
      return `Add "${name}": ${describe(e.schema)}.${note}`;
    }
    case ValueErrorType.StringPattern:
      return `Change the string to match ${String(e.schema['pattern'])}.${note}`;
    case ValueErrorType.TupleLength:
    case ValueErrorType.Tuple:
      return `Use exactly four numbers [x0, y0, x1, y1].${note}`;
    case ValueErrorType.Literal:
      return `Set it to ${JSON.stringify(e.schema['const'])}.${note}`;
    case ValueErrorType.Integer:
      return `Use a whole number (round it).${note}`;
    default:
      return `Use ${describe(e.schema)}.${note}`;
  }
}

function push(errors: PdfFormatError[], path: string, message: string, hint: string): void {
  if (errors.length < MAX_ERRORS) errors.push({ path, message, hint });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function schemaErrors(doc: unknown, req: PdfRequirements, errors: PdfFormatError[]): void {
  const { doc: check, blocks: blockChecks } = checkers();
  if (check.Check(doc)) return;
  for (const e of check.Errors(doc)) {
    // The block union gives one useless "expected union" error per block; blocks are re-checked
    // below against the schema their blockType selects, which names the real field.
    if (/^\/blocks\/\d+/.test(e.path)) continue;
    push(errors, e.path || '/', e.message, hintForSchemaError(e, req));
    if (errors.length >= MAX_ERRORS) return;
  }
  if (!isRecord(doc) || !Array.isArray(doc['blocks'])) return;
  doc['blocks'].forEach((block: unknown, i: number) => {
    const base = `/blocks/${i}`;
    if (!isRecord(block)) {
      push(errors, base, 'Block is not an object.', 'Each block is an object with blockType, id, page, bbox and text.');
      return;
    }
    const type = block['blockType'];
    const checker = typeof type === 'string' ? blockChecks.get(type) : undefined;
    if (!checker) {
      push(
        errors,
        `${base}/blockType`,
        `Unknown blockType ${JSON.stringify(type)}.`,
        `Use one of ${BLOCK_TYPES.join(', ')}.${noteFor('/blocks/0/blockType', req)}`,
      );
      return;
    }
    if (checker.Check(block)) return;
    for (const e of checker.Errors(block)) {
      push(errors, `${base}${e.path}`, e.message, hintForSchemaError({ ...e, path: `${base}${e.path}` }, req, type as string));
    }
  });
}

/** True when every element of the dotted path exists (arrays: in every element). */
function hasPath(value: unknown, segments: string[]): { ok: boolean; pointer: string } {
  const walk = (v: unknown, i: number, pointer: string): { ok: boolean; pointer: string } => {
    if (i === segments.length) return { ok: v !== undefined, pointer };
    if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) {
        const r = walk(v[k], i, `${pointer}/${k}`);
        if (!r.ok) return r;
      }
      return { ok: true, pointer };
    }
    const seg = segments[i]!;
    if (!isRecord(v) || !(seg in v) || v[seg] === undefined) return { ok: false, pointer: `${pointer}/${escapePointer(seg)}` };
    return walk(v[seg], i + 1, `${pointer}/${escapePointer(seg)}`);
  };
  return walk(value, 0, '');
}

function semanticErrors(doc: PdfDocument, req: PdfRequirements, errors: PdfFormatError[]): void {
  if (!isCompatibleVersion(doc.formatVersion, req.version)) {
    push(
      errors,
      '/formatVersion',
      `formatVersion ${doc.formatVersion} is not compatible with requirements ${req.version} (majors differ).`,
      `Convert the document with convertToRequiredFormat and set formatVersion to ${req.version}.`,
    );
  }
  if (!req.documentKinds.includes(doc.kind)) {
    push(errors, '/kind', `Document kind "${doc.kind}" is not accepted.`, `Use one of ${req.documentKinds.join(', ')}.`);
  }
  for (const field of req.required) {
    const r = hasPath(doc, field.split('.'));
    if (!r.ok) push(errors, r.pointer, `Required field ${field} is missing.`, `Fill ${field}.${noteFor(r.pointer, req)}`);
  }

  const pageCount = doc.metadata.pageCount;
  const pageHint = `Pages are 0-based and must be < metadata.pageCount (${pageCount}); fix the page or pageCount.`;
  const checkPage = (p: number | null | undefined, path: string) => {
    if (typeof p === 'number' && p >= pageCount) push(errors, path, `Page ${p} is out of range (pageCount ${pageCount}).`, pageHint);
  };
  doc.metadata.needsOcrPages.forEach((p, i) => checkPage(p, `/metadata/needsOcrPages/${i}`));
  doc.pages?.forEach((p, i) => checkPage(p.index, `/pages/${i}/index`));
  doc.outline?.forEach((o, i) => checkPage(o.page, `/outline/${i}/page`));
  if (doc.blocks.length > req.limits.maxBlocks) {
    push(errors, '/blocks', `${doc.blocks.length} blocks exceed the limit of ${req.limits.maxBlocks}.`, 'Split the document and send it in parts.');
  }

  const blocks = new Map<string, { index: number; type: string }>();
  doc.blocks.forEach((b, i) => {
    const base = `/blocks/${i}`;
    if (blocks.has(b.id)) {
      push(errors, `${base}/id`, `Block id ${b.id} is used twice (first at /blocks/${blocks.get(b.id)!.index}).`, 'Give each block a unique id; bump the trailing counter.');
    } else {
      blocks.set(b.id, { index: i, type: b.blockType });
    }
    if (!req.blockTypes.includes(b.blockType)) {
      push(errors, `${base}/blockType`, `Block type ${b.blockType} is not accepted.`, `Use one of ${req.blockTypes.join(', ')} (Text when unsure).`);
    }
    const m = /^\/page\/(\d+)\/([A-Za-z]+)\/\d+$/.exec(b.id);
    if (m && Number(m[1]) !== b.page) {
      push(errors, `${base}/id`, `Block id ${b.id} names page ${m[1]} but page is ${b.page}.`, `Rename it /page/${b.page}/${b.blockType}/n or fix page.`);
    }
    if (m && m[2] !== b.blockType) {
      push(errors, `${base}/id`, `Block id ${b.id} names type ${m[2]} but blockType is ${b.blockType}.`, `Rename it /page/${b.page}/${b.blockType}/n.`);
    }
    checkPage(b.page, `${base}/page`);
    const [x0, y0, x1, y1] = b.bbox;
    if (x1 < x0 || y1 < y0) {
      push(errors, `${base}/bbox`, `bbox [${b.bbox.join(', ')}] has x1 < x0 or y1 < y0.`, 'Order the corners as [minX, minY, maxX, maxY].');
    }
    if (b.text.length > req.limits.maxTextPerBlock) {
      push(errors, `${base}/text`, `Text of ${b.text.length} characters exceeds ${req.limits.maxTextPerBlock}.`, 'Split the block into several Text blocks.');
    }
    if (b.embedding && b.embedding.length !== req.embedding.dimensions) {
      push(
        errors,
        `${base}/embedding`,
        `Embedding has ${b.embedding.length} dimensions, ${req.embedding.dimensions} required.`,
        `Compute it with ${req.embedding.model} or omit it${req.embedding.provided ? ' (the ingester computes vectors)' : ''}.`,
      );
    }
  });

  const refBlock = (id: string | undefined, path: string, want?: BlockType) => {
    if (id === undefined) return;
    const target = blocks.get(id);
    if (!target) push(errors, path, `Block ${id} does not exist.`, 'Reference an id present in /blocks or remove the reference.');
    else if (want && target.type !== want) push(errors, path, `Block ${id} is a ${target.type}, not a ${want}.`, `Point it at a ${want} block.`);
  };

  const sections = new Map<string, { index: number; level: number }>();
  const owner = new Map<string, number>();
  doc.sections.forEach((s, i) => {
    const base = `/sections/${i}`;
    if (sections.has(s.id)) {
      push(errors, `${base}/id`, `Section id ${s.id} is used twice.`, 'Give each section a unique id.');
    }
    if (s.parentId !== null) {
      const parent = sections.get(s.parentId);
      if (!parent) {
        const later = doc.sections.some((x) => x.id === s.parentId);
        push(
          errors,
          `${base}/parentId`,
          later ? `Parent section ${s.parentId} comes after its child.` : `Parent section ${s.parentId} does not exist.`,
          'Order sections as in the document and set parentId to an earlier section, or null at top level.',
        );
      } else if (parent.level >= s.level) {
        push(
          errors,
          `${base}/level`,
          `Section level ${s.level} is not deeper than its parent's level ${parent.level}.`,
          `Use a level greater than ${parent.level}, or choose the nearest preceding section with a lower level as parent.`,
        );
      }
    }
    if (!sections.has(s.id)) sections.set(s.id, { index: i, level: s.level });
    checkPage(s.pageStart, `${base}/pageStart`);
    checkPage(s.pageEnd, `${base}/pageEnd`);
    if (s.pageEnd < s.pageStart) push(errors, `${base}/pageEnd`, `pageEnd ${s.pageEnd} is before pageStart ${s.pageStart}.`, 'Set pageEnd >= pageStart.');
    refBlock(s.headerBlockId, `${base}/headerBlockId`, 'SectionHeader');
    s.blockIds.forEach((id, k) => {
      refBlock(id, `${base}/blockIds/${k}`);
      const prev = owner.get(id);
      if (prev !== undefined && prev !== i) {
        push(errors, `${base}/blockIds/${k}`, `Block ${id} is also listed by /sections/${prev}.`, 'List each block in exactly one section (its deepest).');
      }
      owner.set(id, i);
    });
  });

  doc.blocks.forEach((b, i) => {
    const base = `/blocks/${i}`;
    if (b.sectionId !== undefined && !sections.has(b.sectionId)) {
      push(errors, `${base}/sectionId`, `Section ${b.sectionId} does not exist.`, 'Use an id from /sections or omit sectionId.');
    }
    for (const [level, sid] of Object.entries(b.sectionHierarchy ?? {})) {
      const s = sections.get(sid);
      if (!s) push(errors, `${base}/sectionHierarchy/${level}`, `Section ${sid} does not exist.`, 'Use ids from /sections.');
      else if (String(s.level) !== level) {
        push(errors, `${base}/sectionHierarchy/${level}`, `Section ${sid} has level ${s.level}, listed under ${level}.`, `Key it by its level "${s.level}".`);
      }
    }
    switch (b.blockType) {
      case 'ListGroup':
        b.childIds.forEach((c, k) => refBlock(c, `${base}/childIds/${k}`, 'ListItem'));
        break;
      case 'ListItem':
        refBlock(b.groupId, `${base}/groupId`, 'ListGroup');
        break;
      case 'Caption':
        refBlock(b.targetId, `${base}/targetId`);
        break;
      case 'Figure':
        refBlock(b.captionId, `${base}/captionId`, 'Caption');
        break;
      case 'Table': {
        const seen = new Set<string>();
        b.cells.forEach((c, k) => {
          if (c.row >= b.rows || c.col >= b.cols) {
            push(errors, `${base}/cells/${k}`, `Cell (${c.row}, ${c.col}) is outside the ${b.rows}x${b.cols} table.`, 'Raise rows/cols or fix the cell position (0-based).');
          }
          const key = `${c.row}:${c.col}`;
          if (seen.has(key)) push(errors, `${base}/cells/${k}`, `Two cells at (${c.row}, ${c.col}).`, 'Merge them or use rowSpan/colSpan.');
          seen.add(key);
        });
        break;
      }
      default:
        break;
    }
  });
}

/**
 * Check a document against requirements: the JSON Schema first, then what a schema cannot say
 * (unique ids, references that resolve, pages in range, section levels that nest). Semantic checks
 * run only on a schema-valid document, since they assume its shape.
 */
export function validatePdfFormat(doc: unknown, requirements: PdfRequirements): PdfFormatReport {
  const errors: PdfFormatError[] = [];
  schemaErrors(doc, requirements, errors);
  if (errors.length === 0) semanticErrors(doc as PdfDocument, requirements, errors);
  return { valid: errors.length === 0, errors };
}
