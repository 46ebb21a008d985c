/**
 * Generates docs/asyncapi.json (AsyncAPI 3.0) from the protocol's TypeBox schemas and topic map,
 * so the machine-readable description cannot drift from the code (test/docs.test.ts regenerates it
 * in memory and compares it with the committed file).
 *
 *   npx tsx docs/generate-asyncapi.ts          # writes docs/asyncapi.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { ALL_SCHEMAS, Envelope, ENVELOPE_VERSION, IDENTIFIER_PATTERN, MESSAGE_KINDS, TOPIC_TEMPLATES, type TopicName } from '../protocol/index.ts';

export const ASYNCAPI_PATH = fileURLToPath(new URL('./asyncapi.json', import.meta.url));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** AsyncAPI component keys allow only [A-Za-z0-9._-]: `pdf.requirements@1` becomes `pdf.requirements.v1`. */
export function componentKey(schemaId: string): string {
  const at = schemaId.lastIndexOf('@');
  return `${schemaId.slice(0, at)}.v${schemaId.slice(at + 1)}`;
}

/**
 * Plain JSON Schema from a TypeBox schema: symbols dropped (JSON round trip) and nested `$id`s
 * removed, because TypeBox keeps the `$id` of every embedded schema (error@1 inside
 * conversation.event@1...), and repeated ids in one document confuse resolvers. The schema id
 * survives as `x-schema-id` on the top level.
 */
function plainSchema(schema: TSchema, schemaId?: string): Json {
  const strip = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    const out: { [key: string]: Json } = {};
    for (const [key, inner] of Object.entries(value)) if (key !== '$id') out[key] = strip(inner);
    return out;
  };
  const plain = strip(JSON.parse(JSON.stringify(schema)) as Json) as { [key: string]: Json };
  return schemaId ? { 'x-schema-id': schemaId, ...plain } : plain;
}

const PARAMETERS: Record<string, { description: string }> = {
  module: { description: `Module id (the actor's name). Matches ${IDENTIFIER_PATTERN}.` },
  clientId: { description: `MQTT client id of the requester connection. Matches ${IDENTIFIER_PATTERN}.` },
  id: { description: `Conversation or workflow id (a lowercase ULID for ids the bus makes). Matches ${IDENTIFIER_PATTERN}.` },
};

/** The queries of the modules the system starts: request schema, response schema, who answers. */
const QUERIES: Array<[request: string, response: string, summary: string]> = [
  ['pdf.requirements.query@1', 'pdf.requirements@1', 'Ask arangodb which PDF document format it ingests; the answer is the versioned JSON Schema of that document.'],
  ['document.ingest@1', 'document.ingest.result@1', 'arangodb: ingest a document in the format the requirements describe; the answer says what was written.'],
  ['document.embed@1', 'document.embed.result@1', 'arangodb: add the requirements embeddings to a document ingested earlier (needs its embedding provider, docs/embeddings.md).'],
  ['pdf.convert@1', 'pdf.convert.result@1', "marker: convert one PDF in the format the target module asks for, and have it ingested."],
  ['pdf.validate@1', 'pdf.validate.result@1', 'arangodb: check a document against its requirements without storing it; an invalid document is an answer (the report), not an error.'],
  ['pdf.example@1', 'pdf.example.result@1', 'arangodb: a minimal valid document generated from its requirements, validated before it is sent.'],
  ['workflow.execute@1', 'workflow.result@1', 'orchestrator: run a workflow (a definition or a template with params); the answer comes when it reached a final state.'],
  ['workflow.control@1', 'workflow.state@1', "orchestrator: the workflow's owner pauses, resumes, cancels, skips a step of or adds a step to it; the answer is its new state."],
  ['pdf.compatibility.check@1', 'pdf.compatibility.result@1', 'advisor: does this document / requirements version fit that consumer; field-by-field findings (rule-based when offline).'],
  ['ask@1', 'ask.answer@1', 'advisor: a free-text question about a module, answered by an LLM instance with its card and recent conversations (E_MODEL_UNAVAILABLE offline).'],
  ['instances.list@1', 'instances.listing@1', 'instances: the LLM instances of every instance-backed module (state, turns, last use), stored ones included.'],
  ['instance.control@1', 'instance.control.result@1', 'instances: pause, resume or terminate one instance (kept across restarts in instances.db).'],
  ['instance.history@1', 'instance.history.result@1', "instances: one instance's turns, oldest first (role, text cut to 2000 characters and marked, time), paged with limit/before; read from instances.db, so they survive restarts."],
  ['conversation.events.query@1', 'conversation.events@1', 'recorder: the events of a conversation after a seq (for watchers that reconnect).'],
  ['conversation.status.query@1', 'conversation.status@1', 'recorder: the recorded status of one conversation.'],
  ['conversation.list.query@1', 'conversation.list@1', 'recorder: one page of recorded conversations, newest first, filtered by module, state and text (the dashboard history).'],
  ['recorder.stats.query@1', 'recorder.stats@1', 'recorder: message, open-conversation and dead-letter counters (the dashboard rate strip).'],
];

/** Message name of a schema id: `pdf.convert.result@1` -> `pdfConvertResult`. */
function messageName(schemaId: string): string {
  return schemaId.slice(0, schemaId.lastIndexOf('@')).replace(/[._-]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function queryMessages(side: 'request' | 'response'): string[] {
  return QUERIES.map(([request, response]) => messageName(side === 'request' ? request : response));
}

function queryMessageSpecs(): Record<string, MessageSpec> {
  const specs: Record<string, MessageSpec> = {};
  for (const [request, response, summary] of QUERIES) {
    specs[messageName(request)] = { title: request, kinds: ['request'], schema: request, summary };
    specs[messageName(response)] = { title: response, kinds: ['reply'], schema: response, summary: `Answer to ${request}.` };
  }
  return specs;
}

interface ChannelSpec {
  title: string;
  description: string;
  retained: boolean;
  messages: string[];
}

/** The topic map of protocol/topics.ts, with the messages each topic carries. */
const CHANNELS: Record<TopicName, ChannelSpec> = {
  moduleCard: {
    title: 'Module card',
    description: 'Retained capability card: query types with request/response schema ids and JSON Schemas, backend.',
    retained: true,
    messages: ['moduleCard'],
  },
  moduleStatus: {
    title: 'Module status',
    description: 'Retained presence: online / offline / lost. The last will of every actor is `lost`.',
    retained: true,
    messages: ['moduleStatus'],
  },
  moduleInbox: {
    title: 'Module inbox',
    description: "Requests, inputs and cancels addressed to the module. Only kinds 'request' and 'cancel' are accepted.",
    retained: false,
    messages: ['request', ...queryMessages('request'), 'conversationInput', 'cancel'],
  },
  replies: {
    title: 'Replies',
    description: 'Progress, replies and errors for one requester connection; it subscribes before it sends.',
    retained: false,
    messages: ['progress', 'reply', ...queryMessages('response'), 'error'],
  },
  conversationEvents: {
    title: 'Conversation events',
    description: 'Ordered lifecycle and progress events of one conversation, each with a per-conversation seq.',
    retained: false,
    messages: ['conversationEvent'],
  },
  conversationState: {
    title: 'Conversation state',
    description: 'Retained latest snapshot; cleared (empty retained payload) some time after a final state.',
    retained: true,
    messages: ['conversationState'],
  },
  workflowEvents: {
    title: 'Workflow events',
    description: 'Ordered workflow and step transitions of one workflow, each with a per-workflow seq.',
    retained: false,
    messages: ['workflowEvent'],
  },
  workflowState: {
    title: 'Workflow state',
    description: 'Retained latest snapshot of a workflow: definition, state and every step.',
    retained: true,
    messages: ['workflowState'],
  },
  workflowControl: {
    title: 'Workflow control',
    description: 'Pause / resume / cancel commands for the orchestrator, as an envelope or as the bare JSON body.',
    retained: false,
    messages: ['workflowControl'],
  },
  deadletter: {
    title: 'Dead letters',
    description: 'Messages the module could not accept: the error and the original payload.',
    retained: false,
    messages: ['deadLetter'],
  },
  replicaStatus: {
    title: 'Replica status',
    description: 'Retained presence of one replica of a module (docs/scaling.md): online / offline / lost; its last will is `lost`. The module status stays online while any replica is.',
    retained: true,
    messages: ['moduleStatus'],
  },
};

interface MessageSpec {
  title: string;
  kinds: readonly string[];
  /** Body schema id; undefined for messages whose body depends on the query. */
  schema?: string;
  summary: string;
}

const MESSAGES: Record<string, MessageSpec> = {
  ...queryMessageSpecs(),
  moduleCard: { title: 'Module card', kinds: ['event'], schema: 'module.card@1', summary: "A module's capabilities." },
  moduleStatus: { title: 'Module status', kinds: ['event'], schema: 'module.status@1', summary: 'Presence of a module.' },
  request: { title: 'Request (any query)', kinds: ['request'], summary: 'A request; `schema` names the query type (see the module card), `body` follows that schema.' },
  conversationInput: { title: 'Conversation input', kinds: ['request'], schema: 'conversation.input@1', summary: 'Answer to an input-required progress; correlationId is the request id.' },
  cancel: { title: 'Cancel', kinds: ['cancel'], schema: 'cancel@1', summary: 'Cancel a running request; correlationId is the request id.' },
  progress: { title: 'Progress', kinds: ['progress'], schema: 'progress@1', summary: 'Accepted, progressing, asking for more time or for input.' },
  reply: { title: 'Reply (any query)', kinds: ['reply'], summary: "The answer; `schema` is the query's response schema id from the module card." },
  error: { title: 'Error', kinds: ['error'], schema: 'error@1', summary: 'A stable error code, a message saying what to fix, and details.' },
  conversationEvent: { title: 'Conversation event', kinds: ['event'], schema: 'conversation.event@1', summary: 'One lifecycle change or progress step; envelope `seq` orders them.' },
  conversationState: { title: 'Conversation state', kinds: ['event'], schema: 'conversation.state@1', summary: 'Latest snapshot of a conversation.' },
  workflowEvent: { title: 'Workflow event', kinds: ['event'], schema: 'workflow.event@1', summary: 'One workflow or step transition; envelope `seq` orders them.' },
  workflowState: { title: 'Workflow state', kinds: ['event'], schema: 'workflow.state@1', summary: 'Latest snapshot of a workflow.' },
  workflowControl: { title: 'Workflow control', kinds: ['event'], schema: 'workflow.control@1', summary: 'Pause, resume or cancel a workflow (also accepted as the bare JSON body).' },
  deadLetter: { title: 'Dead letter', kinds: ['event'], schema: 'deadletter@1', summary: 'A refused message with the reason.' },
};

/** Operations from the point of view of one actor on the bus. */
const OPERATIONS: Array<[name: string, action: 'send' | 'receive', channel: TopicName, summary: string]> = [
  ['publishCard', 'send', 'moduleCard', 'Publish the own card (retained) on start.'],
  ['watchCards', 'receive', 'moduleCard', 'Discover modules and their query types.'],
  ['publishStatus', 'send', 'moduleStatus', 'Publish online/offline; the broker publishes the last will `lost`.'],
  ['watchStatus', 'receive', 'moduleStatus', 'Follow peers; a `lost` responder fails open conversations after a grace period.'],
  ['sendRequest', 'send', 'moduleInbox', "Ask a module: request, input or cancel into the responder's inbox."],
  ['receiveRequest', 'receive', 'moduleInbox', 'Accept requests, inputs and cancels addressed to this module.'],
  ['sendReply', 'send', 'replies', "Answer on the request's replyTo topic: progress, reply or error."],
  ['receiveReply', 'receive', 'replies', 'Receive answers on the own replies topic.'],
  ['publishConversationEvent', 'send', 'conversationEvents', 'Requester: publish every lifecycle change and progress step.'],
  ['watchConversationEvents', 'receive', 'conversationEvents', 'Watchers and the recorder follow conversations.'],
  ['publishConversationState', 'send', 'conversationState', 'Requester: keep the retained snapshot current.'],
  ['watchConversationState', 'receive', 'conversationState', 'Read the latest snapshot of a conversation.'],
  ['publishWorkflowEvent', 'send', 'workflowEvents', 'Orchestrator: publish every workflow and step transition.'],
  ['watchWorkflowEvents', 'receive', 'workflowEvents', 'Watchers and the recorder follow workflows.'],
  ['publishWorkflowState', 'send', 'workflowState', 'Orchestrator: keep the retained workflow snapshot current.'],
  ['watchWorkflowState', 'receive', 'workflowState', 'Read the latest snapshot of a workflow.'],
  ['controlWorkflow', 'send', 'workflowControl', 'Pause, resume or cancel a workflow.'],
  ['receiveWorkflowControl', 'receive', 'workflowControl', 'Orchestrator: apply pause, resume and cancel.'],
  ['publishDeadLetter', 'send', 'deadletter', 'Keep a refused message with its reason.'],
  ['watchDeadLetters', 'receive', 'deadletter', 'Inspect refused messages.'],
  ['publishReplicaStatus', 'send', 'replicaStatus', 'A replica: publish its own online/offline; the broker publishes its last will `lost`.'],
  ['watchReplicaStatus', 'receive', 'replicaStatus', 'Requesters: a lost replica fails (or, opted in, re-sends) the conversations it held.'],
];

function messageObject(name: string, spec: MessageSpec): Json {
  const fixed: { [key: string]: Json } = { kind: spec.kinds.length === 1 ? { const: spec.kinds[0] as string } : { enum: [...spec.kinds] } };
  if (spec.schema) {
    fixed.schema = { const: spec.schema };
    fixed.body = { $ref: `#/components/schemas/${componentKey(spec.schema)}` };
  }
  return {
    name,
    title: spec.title,
    summary: spec.summary,
    contentType: 'application/json',
    payload: { allOf: [{ $ref: '#/components/schemas/Envelope' }, { type: 'object', properties: fixed }] },
  };
}

export function buildAsyncApi(): Json {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; description: string };
  const schemas: { [key: string]: Json } = { Envelope: plainSchema(Envelope, `comms.envelope@${ENVELOPE_VERSION}`) };
  for (const id of Object.keys(ALL_SCHEMAS).sort()) schemas[componentKey(id)] = plainSchema(ALL_SCHEMAS[id] as TSchema, id);

  const messages: { [key: string]: Json } = {};
  for (const [name, spec] of Object.entries(MESSAGES)) messages[name] = messageObject(name, spec);

  const channels: { [key: string]: Json } = {};
  for (const [name, spec] of Object.entries(CHANNELS) as Array<[TopicName, ChannelSpec]>) {
    const address = TOPIC_TEMPLATES[name];
    const params = [...address.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
    channels[name] = {
      address,
      title: spec.title,
      description: `${spec.description} QoS 1; ${spec.retained ? 'retained' : 'not retained'}.`,
      parameters: Object.fromEntries(params.map((p) => [p, { $ref: `#/components/parameters/${p}` }])),
      messages: Object.fromEntries(spec.messages.map((m) => [m, { $ref: `#/components/messages/${m}` }])),
    };
  }

  const operations: { [key: string]: Json } = {};
  for (const [name, action, channel, summary] of OPERATIONS) {
    const spec = CHANNELS[channel];
    operations[name] = {
      action,
      channel: { $ref: `#/channels/${channel}` },
      summary,
      messages: spec.messages.map((m) => ({ $ref: `#/channels/${channel}/messages/${m}` })),
      bindings: { mqtt: { qos: 1, retain: spec.retained, bindingVersion: '0.2.0' } },
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'claude-comms',
      version: pkg.version,
      description: `${pkg.description}\n\nEvery payload is one JSON envelope (components/schemas/Envelope, kinds: ${MESSAGE_KINDS.join(', ')}); \`schema\` names the body schema as name@major. Generated by docs/generate-asyncapi.ts from protocol/; do not edit by hand.`,
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      embedded: {
        host: '127.0.0.1:1883',
        protocol: 'mqtt',
        protocolVersion: '3.1.1',
        description: 'The embedded aedes broker started by `comms up` (any MQTT 3.1.1 broker works).',
      },
      embeddedWebSocket: {
        host: '127.0.0.1:8083',
        protocol: 'ws',
        description: 'MQTT over WebSocket on the embedded broker (`comms up --ws-port`).',
      },
    },
    channels,
    operations,
    components: {
      schemas,
      messages,
      parameters: PARAMETERS as unknown as Json,
    },
  };
}

/** The file's exact text: stable key order, two-space indent, trailing newline. */
export function renderAsyncApi(): string {
  return `${JSON.stringify(buildAsyncApi(), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(ASYNCAPI_PATH, renderAsyncApi());
  process.stdout.write(`wrote ${ASYNCAPI_PATH}\n`);
}
