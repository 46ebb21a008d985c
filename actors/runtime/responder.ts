import type { Logger } from '../../logging/index.ts';
import {
  CommsError,
  checkShape,
  createEnvelope,
  inspectEnvelope,
  toCommsError,
  TOPIC_TEMPLATES,
  Topics,
  type Envelope,
  type ErrorReply,
  type JsonLimits,
  type JsonShape,
  type ProgressReport,
  type SchemaRegistry,
} from '../../protocol/index.ts';
import { DedupeCache } from './dedupe-cache.ts';
import { LEASE_RENEWAL_STAGE, renewWhileRunning } from './lease.ts';
import { salvageFields } from './dead-letter.ts';
import { handlerContext, type JobHost } from './handler-context.ts';
import { refuseMessage, unknownQuery, type RefusedMessage } from './refusal.ts';
import { inboxLimits, requestLimits, type QueryHandler } from './query-handler.ts';
import type { RequestOptions } from './request-options.ts';
import { RunningJob } from './running-job.ts';

type Job = RunningJob | { state: 'done'; reply: Envelope };

export interface ResponderDeps {
  module: string;
  sessionId: string;
  registry: SchemaRegistry;
  handlers: ReadonlyMap<string, QueryHandler>;
  maxMessageBytes: number;
  /** Lease renewal interval announced in each acknowledgement (docs/reliability.md#leases). */
  leaseMs: number;
  log: Logger;
  /** A replica's own reply topic, named as `replyTo` in its answers so cancels and inputs reach it (docs/scaling.md). */
  followUpTopic?: string;
  publish(topic: string, envelope: Envelope): Promise<void>;
  ask<R>(to: string, schema: string, body: unknown, options: Partial<RequestOptions>): Promise<R>;
}

/**
 * The receiving side of a module's inbox. Accepting a message is quick and never throws: the
 * handler's work runs on afterwards, so the MQTT connection keeps reading (replies to the handler's
 * own child requests arrive on the same connection). Every message ends in exactly one of: a
 * handler run, an answer to a duplicate, a cancel, an input, or an error reply plus a dead letter.
 */
export class Responder {
  private readonly jobs = new DedupeCache<Job>();

  /** Jobs whose acknowledgement waits for the next loop turn, and the one immediate that sends those still owed. */
  private ackQueue: RunningJob[] = [];
  private ackTimer: NodeJS.Immediate | undefined;

  /** The inbox's scan limits, worked out once per set of handlers instead of per message. */
  private limits?: { handlers: number; value: JsonLimits };

  /** What a handler's context does through this responder; one object for all requests. */
  private readonly jobHost: JobHost;

  constructor(private readonly deps: ResponderDeps) {
    this.jobHost = {
      acknowledge: (job) => this.acknowledge(job),
      sendProgress: (request, report) => this.sendProgress(request, report),
      ask: (to, schema, body, options) => this.deps.ask(to, schema, body, options),
    };
  }

  private inboxLimits(): JsonLimits {
    if (this.limits?.handlers !== this.deps.handlers.size) {
      const loosest = inboxLimits(this.deps.handlers.values());
      this.limits = { handlers: this.deps.handlers.size, value: { ...loosest, maxBytes: Math.min(loosest.maxBytes, this.deps.maxMessageBytes) } };
    }
    return this.limits.value;
  }

  accept(topic: string, payload: Buffer): void {
    let envelope: Envelope;
    let shape: JsonShape;
    try {
      // Checked on the raw bytes before anything is parsed: a poison message costs a scan, not a stalled module.
      ({ envelope, shape } = inspectEnvelope(payload, this.inboxLimits()));
    } catch (err) {
      return this.refuse(topic, payload, toCommsError(err, 'E_SCHEMA_INVALID'), salvageFields(payload));
    }
    if (envelope.to !== this.deps.module) {
      return this.refuse(topic, payload, new CommsError('E_MISADDRESSED', `message is addressed to ${JSON.stringify(envelope.to)} but arrived in ${this.deps.module}'s inbox. Publish to ${Topics.moduleInbox(envelope.to === '*' ? 'module' : envelope.to)}.`), envelope);
    }
    switch (envelope.kind) {
      case 'request':
        return envelope.schema === 'conversation.input@1' ? this.acceptInput(topic, payload, envelope) : this.acceptRequest(topic, payload, envelope, shape);
      case 'cancel':
        return this.acceptCancel(topic, payload, envelope);
      default:
        return this.refuse(topic, payload, new CommsError('E_SCHEMA_INVALID', `an inbox takes 'request' and 'cancel' messages, not '${envelope.kind}'. Send ${envelope.kind} messages to the requester's replyTo topic.`), envelope);
    }
  }

  /** Cancel everything running, e.g. when the actor stops. */
  abortAll(reason: string): void {
    for (const job of this.iterateRunning()) job.abort(new CommsError('E_CANCELED', reason));
  }

  /**
   * Cancel the work a requester can no longer receive (it went offline or lost): its handlers' signals abort with
   * E_PEER_LOST. Matched by reply topic, since several processes may speak for one module name.
   */
  abortFrom(requester: string, replyTo: string, reason: string): number {
    let aborted = 0;
    for (const job of this.iterateRunning()) {
      if (job.request.from !== requester || job.request.replyTo !== replyTo) continue;
      job.abort(new CommsError('E_PEER_LOST', reason));
      aborted++;
    }
    return aborted;
  }

  /**
   * The actor is stopping: answer every running request with E_SHUTTING_DOWN now, so its requester
   * hears it at once instead of waiting out its timeout, and abort the handlers. A handler that
   * finishes later sends nothing more (its job is already done).
   */
  async shutdown(reason: string): Promise<void> {
    const sends: Array<Promise<void>> = [];
    for (const job of [...this.iterateRunning()]) {
      const error = new CommsError('E_SHUTTING_DOWN', reason);
      const reply = this.answer(job.request, 'error', 'error@1', error.toBody());
      this.acknowledge(job);
      // Answered already: renewing a lease nobody waits on would only add traffic.
      job.stopRenewing?.();
      this.jobs.set(job.request.id, { state: 'done', reply });
      job.abort(error);
      sends.push(this.send(job.request.replyTo, reply));
    }
    if (sends.length > 0) this.deps.log.warn({ requests: sends.length }, 'stopping: running requests answered with E_SHUTTING_DOWN');
    await Promise.all(sends);
  }

  private *iterateRunning(): Generator<RunningJob> {
    for (const job of this.jobs.values()) {
      if (job.state === 'running') yield job;
    }
  }

  private acceptRequest(topic: string, payload: Buffer, request: Envelope, shape: JsonShape): void {
    const known = this.jobs.get(request.id);
    const knownFrom = known?.state === 'done' ? known.reply.to : known?.request.from;
    // A "duplicate" from someone else would be answered on their replyTo: the first sender's reply, to a stranger.
    if (knownFrom !== undefined && knownFrom !== request.from) return this.refuseForged(topic, payload, request, knownFrom);
    if (known?.state === 'done') {
      this.deps.log.debug({ id: request.id }, 'duplicate of a finished request: re-sending its reply');
      void this.send(request.replyTo, known.reply);
      return;
    }
    if (known?.state === 'running') {
      this.deps.log.debug({ id: request.id }, 'duplicate of a running request: re-acknowledging');
      this.sendProgress(request, { ...this.ackReport(request.schema), note: 'duplicate request; already working on it' });
      return;
    }
    if (!request.replyTo) {
      return this.refuse(topic, payload, new CommsError('E_SCHEMA_INVALID', `a request needs a replyTo topic (${TOPIC_TEMPLATES.replies}); subscribe to it before sending.`), request);
    }
    if (request.deadline && Date.parse(request.deadline) <= Date.now()) {
      return this.refuse(topic, payload, new CommsError('E_DEADLINE_EXCEEDED', `the deadline ${request.deadline} had passed when the request arrived; send it again with a later deadline.`), request);
    }
    const handler = this.deps.handlers.get(request.schema);
    if (!handler) return this.refuse(topic, payload, unknownQuery(this.deps.module, this.deps.handlers, request.schema), request);
    try {
      checkShape(shape, requestLimits(handler), `this ${request.schema} request`);
      this.deps.registry.validate(request.schema, request.body);
    } catch (err) {
      return this.refuse(topic, payload, toCommsError(err, 'E_SCHEMA_INVALID'), request);
    }
    const job = new RunningJob(request);
    this.jobs.set(request.id, job);
    // The ack waits one event-loop turn: a reply ready by then acknowledges the request itself (docs/protocol.md, "Message budget").
    // One immediate serves every request accepted in this turn.
    job.ackPending = true;
    this.ackQueue.push(job);
    this.ackTimer ??= setImmediate(this.sendOwedAcks);
    void this.run(handler, job);
  }

  private readonly sendOwedAcks = (): void => {
    const owed = this.ackQueue;
    this.ackQueue = [];
    this.ackTimer = undefined;
    for (const job of owed) this.acknowledge(job);
  };

  /** The acknowledgement tells the requester how often to expect a lease renewal and whether a re-run is safe. */
  private ackReport(schema: string): ProgressReport {
    return { percent: 0, stage: 'accepted', leaseMs: this.deps.leaseMs, idempotent: this.deps.handlers.get(schema)?.idempotent ?? false };
  }

  private async run(handler: QueryHandler, job: RunningJob): Promise<void> {
    const { request } = job;
    let reply: Envelope;
    try {
      const body = await handler.handle(request.body as never, handlerContext(job, this.deps.log, this.jobHost));
      if (job.aborted) throw job.signal.reason ?? new CommsError('E_CANCELED');
      reply = this.answer(request, 'reply', handler.responseSchemaId, this.checkedResponse(handler, body));
    } catch (err) {
      reply = this.answer(request, 'error', 'error@1', toCommsError(err).toBody());
    } finally {
      job.finished = true;
      job.stopRenewing?.();
    }
    // shutdown() already answered this request with E_SHUTTING_DOWN.
    if (this.jobs.get(request.id)?.state === 'done') return;
    // An error after the work started must not read as a refusal (`rejected`): the ack goes first.
    if (reply.kind === 'error') this.acknowledge(job);
    else job.ackPending = false;
    this.jobs.set(request.id, { state: 'done', reply });
    await this.send(request.replyTo, reply);
  }

  /** A handler whose answer breaks its own declared schema is a bug in the responder, not in the request. */
  private checkedResponse(handler: QueryHandler, body: unknown): unknown {
    try {
      this.deps.registry.validate(handler.responseSchemaId, body);
      return body;
    } catch (err) {
      const error = toCommsError(err);
      this.deps.log.error({ err: error }, `handler for ${handler.schema} returned an invalid ${handler.responseSchemaId}`);
      throw new CommsError('E_HANDLER_FAILED', `${this.deps.module} produced an invalid ${handler.responseSchemaId}: ${error.message}`, error.details);
    }
  }

  private acceptCancel(topic: string, payload: Buffer, cancel: Envelope): void {
    const job = cancel.correlationId ? this.jobs.get(cancel.correlationId) : undefined;
    if (job?.state !== 'running') {
      this.deps.log.debug({ correlationId: cancel.correlationId }, 'cancel for a request that is not running');
      return;
    }
    if (cancel.from !== job.request.from) return this.refuseForged(topic, payload, cancel, job.request.from);
    const reason = (cancel.body as { reason?: string } | undefined)?.reason;
    job.abort(new CommsError('E_CANCELED', reason ? `canceled by ${cancel.from}: ${reason}` : `canceled by ${cancel.from}`));
  }

  private acceptInput(topic: string, payload: Buffer, message: Envelope): void {
    const job = message.correlationId ? this.jobs.get(message.correlationId) : undefined;
    const waiter = job?.state === 'running' ? job.inputWaiter : undefined;
    if (job?.state !== 'running' || !waiter) {
      return this.refuse(topic, payload, new CommsError('E_NOT_FOUND', `no running request ${message.correlationId ?? '(none)'} is waiting for input.`), message);
    }
    if (message.from !== job.request.from) return this.refuseForged(topic, payload, message, job.request.from);
    job.inputWaiter = undefined;
    this.sendProgress(job.request, { stage: 'input-received' });
    waiter((message.body as { input?: unknown }).input);
  }

  /**
   * Only a request's sender may cancel it, answer its input prompt or repeat it: anything else is
   * dead-lettered without an answer (an answer would go to a replyTo the stranger chose).
   */
  private refuseForged(topic: string, payload: Buffer, message: Envelope, requester: string): void {
    const error = new CommsError('E_FORGED', `${message.kind} ${message.schema} from ${message.from} ignored: request ${message.correlationId ?? message.id} was sent by ${requester}.`);
    this.refuse(topic, payload, error, { id: message.id });
  }

  /** Answer with an error (when we know where) and keep the original in the dead-letter topic. */
  private refuse(topic: string, payload: Buffer, error: CommsError, about: RefusedMessage): void {
    refuseMessage(this.deps, (replyTo, reply) => void this.send(replyTo, reply), topic, payload, error, about);
  }

  /** Send a running job's ack now, unless it went already; anything else the job sends must come after it. */
  private acknowledge(job: RunningJob): void {
    if (!job.ackPending) return;
    job.ackPending = false;
    const { request } = job;
    this.sendProgress(request, this.ackReport(request.schema));
    // The ack declared a lease: renew it while the handler still runs (docs/reliability.md#leases).
    if (!job.finished) {
      const { leaseMs } = this.deps;
      job.stopRenewing = renewWhileRunning(leaseMs, () => this.sendProgress(request, { stage: LEASE_RENEWAL_STAGE, leaseMs }));
    }
  }

  private sendProgress(request: Envelope, report: ProgressReport): void {
    void this.send(request.replyTo, this.answer(request, 'progress', 'progress@1', report));
  }

  private answer(request: Envelope, kind: 'reply' | 'progress' | 'error', schema: string, body: unknown | ErrorReply): Envelope {
    // createEnvelope leaves out the fields that are undefined (parentId, a non-replica's replyTo).
    return createEnvelope({
      kind,
      from: this.deps.module,
      to: request.from,
      conversationId: request.conversationId,
      correlationId: request.id,
      schema,
      body,
      parentId: request.parentId,
      replyTo: this.deps.followUpTopic,
    });
  }

  private async send(replyTo: string | undefined, envelope: Envelope): Promise<void> {
    if (!replyTo) return;
    try {
      await this.deps.publish(replyTo, envelope);
    } catch (err) {
      this.deps.log.error({ err, to: replyTo }, 'reply not published; the requester will re-send and get it from the cache');
    }
  }
}
