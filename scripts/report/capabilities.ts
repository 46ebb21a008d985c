import type { Capability } from './types.ts';

/** One report per entry, in this order (docs/reports/<id>.md and runs/<id>.json). */
export const CAPABILITIES: readonly Capability[] = [
  {
    id: 'instances',
    title: 'Background LLM instances',
    about:
      'Instance-backed modules put an LLM (anthropic, claude-code or offline backend) behind a module query, with a pool, pause/resume/terminate and a history in SQLite. `comms up` hosts them from comms.config.json (the advisor by default) and `comms instances` / `comms instance pause|resume|terminate` reach them. The runs are the instance, advisor, config and instances CLI tests against a loopback Messages API server and a stand-in claude CLI, and the pooling benchmark (cold vs warm instance).',
    knownLimitations: ['No run here reaches the real Anthropic API or a real claude CLI: the backends are exercised against loopback stand-ins speaking their wire protocols.', 'Offline, the advisor answers pdf.compatibility.check@1 by rules (it says so) and refuses free-text ask@1 with E_MODEL_UNAVAILABLE.'],
  },
  {
    id: 'progress-tracking',
    title: 'Progress tracking and recording',
    about:
      'Every conversation runs a ConversationMachine whose progress, state and end are published on the bus and committed by the recorder to SQLite. The runs measure what recording costs against raw aedes and raw SQLite, request/reply against raw mqtt.js (in one process, and at scale in separate processes with the recorder on), whether acknowledged messages survive killed recorders, brokers, responders and requesters and whether every conversation ends, and the conversation, lease and write-path tests.',
    knownLimitations: ['Benchmarks on a shared 2-core machine: ratios are measured against baselines of the same run, absolute rates vary with load.', 'mosquitto acknowledges before its autosave reaches disk: a mosquitto SIGKILL can lose an acknowledged message (shown in the chaos table, not counted as our failure).'],
  },
  {
    id: 'pdf-exchange-format',
    title: 'PDF exchange format',
    about:
      'arangodb publishes versioned requirements (pdf.requirements@1: a JSON Schema, block types, mapping notes, an embedding spec) and marker converts PDFs to that format with pdf.js. The runs are the extraction benchmark against pdftotext, the heading evaluation against the PDFs’ own outlines, the corpus tests when a corpus is given, and the protocol and embedding tests.',
    knownLimitations: ['Pages without a text layer are reported as needing OCR; no OCR is done.', 'Heading recall is measured only on PDFs that carry a bookmark outline.'],
  },
  {
    id: 'orchestration',
    title: 'Orchestration',
    about: 'The orchestrator runs workflows whose steps are conversations, with durable state that survives a restart; standard templates (marker-to-arangodb, structure, field requirement, compatibility check, transformation, validation, example) run from `comms run TEMPLATE`, and paused workflows can be changed (skip or add a step, recorded). The runs are the orchestrator, template and workflow CLI tests on a real broker.',
    knownLimitations: ['One orchestrator per broker: a second one with the same client id takes over the first one’s session.'],
  },
  {
    id: 'marker-to-arangodb',
    title: 'marker to arangodb (the flagship)',
    about:
      'The demo (`npm start`) runs the marker-to-arangodb workflow template through the orchestrator: requirements from arangodb, conversion by marker, validation, a compatibility check by the advisor, ingest by arangodb, and lists what the recorder stored. The flagship and ingest tests check the same flow with assertions.',
    knownLimitations: ['Without an embedding provider (comms up --embeddings) the ingest writes no embeddings and says so.', 'The demo writes JSONL; a live ArangoDB is used only when ARANGO_URL is set.'],
  },
  {
    id: 'docs',
    title: 'Documentation',
    about: 'The docs are checked against the code: the error table against ERROR_CODES, the generated AsyncAPI document against ALL_SCHEMAS and the topic map, links and examples.',
    knownLimitations: ['Prose is checked by review, not by tests.'],
  },
];
