import type { WorkflowStep } from '../../protocol/index.ts';

/** One parameter a template takes (`${params.NAME}` in its steps). */
export interface TemplateParam {
  description: string;
  required?: boolean;
}

/**
 * A standard workflow: steps with `${params.NAME}` placeholders (docs/workflows.md, Templates). A
 * placeholder that is a whole string value takes the param's value of any type, and the key is
 * dropped when the param is not given; `${steps...}` references are left for the run to resolve.
 */
export interface WorkflowTemplate {
  name: string;
  description: string;
  /** The query kind a consumer asks of a producer that the template stands for. */
  kind: 'structure' | 'field-requirement' | 'compatibility' | 'transformation' | 'validation' | 'example' | 'pipeline';
  params: Record<string, TemplateParam>;
  steps: WorkflowStep[];
}

const PDF_PARAMS: Record<string, TemplateParam> = {
  path: { description: "PDF file path under one of marker's input folders (one of path, url, content)" },
  url: { description: 'http(s) URL marker fetches the PDF from' },
  content: { description: 'the PDF bytes, base64' },
  filename: { description: 'name of a PDF sent as content' },
  password: { description: 'user password of an encrypted PDF' },
  maxPages: { description: 'extract only the first N pages' },
};

const REQUIREMENTS: WorkflowStep = { id: 'requirements', module: 'arangodb', query: 'pdf.requirements.query@1', input: { acceptVersions: ['1'] } };

/** marker converts for arangodb's requirements and hands the document back (no ingest): later steps use it. */
const CONVERT: WorkflowStep = {
  id: 'convert',
  module: 'marker',
  query: 'pdf.convert@1',
  input: {
    path: '${params.path}',
    url: '${params.url}',
    content: '${params.content}',
    filename: '${params.filename}',
    password: '${params.password}',
    maxPages: '${params.maxPages}',
    target: 'arangodb',
    ingest: false,
    returnDocument: true,
  },
  dependsOn: ['requirements'],
  // marker's progress reports move the deadline on while pages are extracted.
  timeoutMs: 600_000,
};

const VALIDATE: WorkflowStep = {
  id: 'validate',
  module: 'arangodb',
  query: 'pdf.validate@1',
  input: { requirementsVersion: '${steps.requirements.output.version}', document: '${steps.convert.output.converted}' },
  dependsOn: ['convert'],
};

/** The advisor (or whichever module's card offers the query) says whether the document fits arangodb. */
const COMPATIBILITY: WorkflowStep = {
  id: 'compatibility',
  capability: 'pdf.compatibility.check@1',
  query: 'pdf.compatibility.check@1',
  input: { consumer: 'arangodb', requirements: '${steps.requirements.output}', document: '${steps.convert.output.converted}' },
  dependsOn: ['validate'],
  timeoutMs: 120_000,
};

const INGEST: WorkflowStep = {
  id: 'ingest',
  module: 'arangodb',
  query: 'document.ingest@1',
  input: { requirementsVersion: '${steps.requirements.output.version}', document: '${steps.convert.output.converted}' },
  dependsOn: ['compatibility'],
  timeoutMs: 300_000,
};

/** The registry `comms templates` lists and `comms run TEMPLATE` and workflow.execute@1 ({ template }) instantiate. */
export const WORKFLOW_TEMPLATES: readonly WorkflowTemplate[] = [
  {
    name: 'marker-to-arangodb',
    description: 'The flagship: arangodb says what it ingests, marker converts the PDF, arangodb validates it, the advisor checks compatibility, arangodb ingests it.',
    kind: 'pipeline',
    params: PDF_PARAMS,
    steps: [REQUIREMENTS, CONVERT, VALIDATE, COMPATIBILITY, INGEST],
  },
  {
    name: 'structure',
    description: 'Ask arangodb which document structure it ingests (pdf.requirements@1: JSON Schema, required fields, block types, embedding).',
    kind: 'structure',
    params: { documentKinds: { description: 'kinds the requester will send, e.g. ["article"]' } },
    steps: [{ ...REQUIREMENTS, input: { acceptVersions: ['1'], documentKinds: '${params.documentKinds}' } }],
  },
  {
    name: 'field-requirement',
    description: 'Ask arangodb how to fill given fields (the requirements narrowed to those fields\' mapping notes).',
    kind: 'field-requirement',
    params: { fields: { description: 'field paths, e.g. ["metadata.title","blocks.Table"]', required: true } },
    steps: [{ ...REQUIREMENTS, input: { acceptVersions: ['1'], fields: '${params.fields}' } }],
  },
  {
    name: 'transformation',
    description: "marker converts a PDF into arangodb's format and returns the document (nothing is ingested).",
    kind: 'transformation',
    params: PDF_PARAMS,
    steps: [REQUIREMENTS, CONVERT],
  },
  {
    name: 'validation',
    description: 'marker converts a PDF, arangodb validates the document against its requirements (nothing is ingested).',
    kind: 'validation',
    params: PDF_PARAMS,
    steps: [REQUIREMENTS, CONVERT, VALIDATE],
  },
  {
    name: 'compatibility-check',
    description: "marker converts a PDF, arangodb validates it, the advisor checks field by field whether it fits arangodb's requirements (the flagship without the ingest).",
    kind: 'compatibility',
    params: PDF_PARAMS,
    steps: [REQUIREMENTS, CONVERT, VALIDATE, COMPATIBILITY],
  },
  {
    name: 'example',
    description: 'arangodb generates a minimal valid document from its requirements (pdf.example@1), validated before it is returned.',
    kind: 'example',
    params: { kind: { description: 'document kind of the example' }, blockTypes: { description: 'block types to show, e.g. ["Text","Table"]' } },
    steps: [{ id: 'example', module: 'arangodb', query: 'pdf.example@1', input: { kind: '${params.kind}', blockTypes: '${params.blockTypes}' } }],
  },
];
