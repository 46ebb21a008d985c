import { InstancePool, OFFLINE_HINT, type BackendKind, type InstancePoolOptions, type JsonSchemaObject } from '../../instances/index.ts';
import { Ask, AskAnswer, ASK_ANSWER_SCHEMA_ID, ASK_SCHEMA_ID, CommsError } from '../../protocol/index.ts';
import {
  PdfCompatibilityCheck,
  PdfCompatibilityResult,
  PDF_COMPATIBILITY_CHECK_SCHEMA_ID,
  PDF_COMPATIBILITY_RESULT_SCHEMA_ID,
  type PdfRequirements,
} from '../../protocol/pdf/index.ts';
import { Actor, defineQuery, type ActorOptions, type HandlerContext } from '../runtime/index.ts';
import { ruleFindings, ruleSummary } from './compatibility-rules.ts';
import { ModuleDirectory } from './module-context.ts';
import { modelReview, ModelReview } from './model-review.ts';

export type AdvisorQuery = typeof PDF_COMPATIBILITY_CHECK_SCHEMA_ID | typeof ASK_SCHEMA_ID;

export interface AdvisorOptions extends Omit<ActorOptions, 'backend'> {
  /** The backend the instances use, already resolved (the card names it). */
  backend: BackendKind;
  model?: string;
  /** Default both. */
  queries?: readonly AdvisorQuery[];
  /** Recent conversations of the module asked about put into the prompt. Default 10. */
  historyConversations?: number;
  /** Pool settings; module, backend and model come from above. */
  pool?: Omit<InstancePoolOptions, 'module'>;
}

export interface AdvisorModule {
  actor: Actor;
  pool: InstancePool;
  backend: BackendKind;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_DESCRIPTION =
  'Answers compatibility checks between PDF documents and the modules that consume them (field by field), and free-text questions about any module.';

/**
 * The advisor (docs/instances.md, The advisor): `pdf.compatibility.check@1` is validated by rules
 * first (the consumer's requirements, asked of the consumer unless given); with a model the
 * findings are reviewed and summarised by an LLM instance, offline the rule-based result says so.
 * `ask@1` is answered by an instance whose prompt carries the card and recent conversations of
 * the module asked about; offline it fails with E_MODEL_UNAVAILABLE.
 */
export function createAdvisor(options: AdvisorOptions): AdvisorModule {
  const { backend, model } = options;
  const card = { kind: backend, ...(model ? { model } : {}) };
  const actor = new Actor({ ...options, description: options.description ?? DEFAULT_DESCRIPTION, backend: card });
  const log = options.logger ?? actor.log;
  const directory = new ModuleDirectory(actor, log);
  const history = options.historyConversations ?? 10;
  const queries = options.queries ?? [PDF_COMPATIBILITY_CHECK_SCHEMA_ID, ASK_SCHEMA_ID];
  if (queries.includes(PDF_COMPATIBILITY_CHECK_SCHEMA_ID)) {
    actor.handle(
      defineQuery({
        schema: PDF_COMPATIBILITY_CHECK_SCHEMA_ID,
        description: 'Does this document / requirements version fit that consumer? Field-by-field findings; rule-based when offline.',
        request: PdfCompatibilityCheck,
        responseSchemaId: PDF_COMPATIBILITY_RESULT_SCHEMA_ID,
        response: PdfCompatibilityResult,
        maxBodyBytes: 12 * 1024 * 1024,
        maxStringBytes: 1024 * 1024,
        handle: (body, ctx) => checkCompatibility(body, ctx),
      }),
    );
  }
  if (queries.includes(ASK_SCHEMA_ID)) {
    actor.handle(
      defineQuery({
        schema: ASK_SCHEMA_ID,
        description: 'A free-text question, optionally about one module (its card and recent conversations are in the prompt). Needs a model.',
        request: Ask,
        responseSchemaId: ASK_ANSWER_SCHEMA_ID,
        response: AskAnswer,
        handle: (body, ctx) => answerQuestion(body, ctx),
      }),
    );
  }
  const moduleCard = actor.card();
  const given = options.pool?.instance?.backendOptions ?? {};
  const pool = new InstancePool({
    ...options.pool,
    module: { ...moduleCard, queries: moduleCard.queries.map((q) => ({ ...q, requestSchema: q.requestSchema as JsonSchemaObject, responseSchema: q.responseSchema as JsonSchemaObject })) },
    instance: {
      ...options.pool?.instance,
      backend,
      backendOptions: { ...given, ...(model ? { anthropic: { ...given.anthropic, model }, claudeCode: { ...given.claudeCode, model } } : {}) },
    },
  });

  async function requirementsOf(consumer: string, given: PdfRequirements | undefined, ctx: HandlerContext): Promise<PdfRequirements> {
    if (given) return given;
    ctx.progress({ percent: 10, stage: 'requirements', note: `asking ${consumer} for its requirements` });
    return ctx.ask<PdfRequirements>(consumer, 'pdf.requirements.query@1', {});
  }

  async function checkCompatibility(body: PdfCompatibilityCheck, ctx: HandlerContext): Promise<PdfCompatibilityResult> {
    const consumer = body.consumer ?? 'arangodb';
    const req = await requirementsOf(consumer, body.requirements, ctx);
    ctx.progress({ percent: 40, stage: 'rules', note: 'validating against the requirements' });
    const verdict = ruleFindings(body, req);
    const base = { consumer, against: req.version, compatible: verdict.compatible, backend, ...(model ? { model } : {}) };
    if (backend === 'offline') {
      const summary = `Rule-based check (offline backend, no model was asked): ${ruleSummary(verdict, consumer, req.version)}`;
      return { ...base, method: 'rule-based', summary, findings: verdict.findings };
    }
    ctx.progress({ percent: 60, stage: 'model', note: `asking an ${actor.name} instance to review the findings` });
    const context = await directory.contextFor(consumer, history, ctx);
    const prompt = modelReview.prompt(body, verdict, consumer, req.version);
    const reply = await pool.send(prompt, { schema: ModelReview, schemaId: 'advisor.review', context: context.text, signal: ctx.signal });
    const review = reply.value as ModelReview;
    return { ...base, method: 'model', summary: review.summary, findings: [...verdict.findings, ...modelReview.warnings(review)] };
  }

  async function answerQuestion(body: Ask, ctx: HandlerContext): Promise<AskAnswer> {
    if (backend === 'offline') {
      throw new CommsError('E_MODEL_UNAVAILABLE', `The advisor runs on the offline backend, which cannot answer free text. ${OFFLINE_HINT}`, { backend, hint: OFFLINE_HINT });
    }
    const context = await directory.contextFor(body.module, history, ctx);
    ctx.progress({ percent: 30, stage: 'model', note: `asking an ${actor.name} instance` });
    const reply = await pool.send(body.question, { context: context.text, signal: ctx.signal });
    return {
      answer: reply.text,
      ...(body.module ? { module: body.module } : {}),
      backend,
      ...(model ? { model } : {}),
      instanceId: reply.instanceId,
      historyConversations: context.conversations,
    };
  }

  return {
    actor,
    pool,
    backend,
    async start() {
      await actor.start();
    },
    async stop() {
      try {
        await actor.stop();
      } finally {
        await pool.close();
      }
    },
  };
}

