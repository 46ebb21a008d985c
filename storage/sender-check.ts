import type { Database, Statement } from 'better-sqlite3';
import { CommsError, RETAINABLE_TOPIC_KINDS, type Envelope, type ParsedTopic } from '../protocol/index.ts';

interface Parties {
  requester: string | null;
  responder: string | null;
}

/**
 * Who may speak about what, as the recorder sees it (docs/security.md, "Who is trusted for what"):
 * a conversation's events, state and reply only from its two parties as first recorded, a cancel or
 * input only from its requester, a workflow's topics only from its first recorded orchestrator, a
 * card or status only from its module, and nothing retained outside cards, statuses and state
 * snapshots. The broker pins `from` to the login (embedded broker with security on); this check is
 * what holds on a broker that does not (docs/security.md, external brokers).
 */
export class SenderCheck {
  private readonly parties: Statement<[string], Parties>;
  private readonly orchestrator: Statement<[string], { orchestrator: string | null }>;

  constructor(db: Database) {
    this.parties = db.prepare('SELECT requester, responder FROM conversations WHERE id = ?');
    this.orchestrator = db.prepare('SELECT orchestrator FROM workflows WHERE id = ?');
  }

  /** Why this message must be recorded as rejected (E_FORGED) instead of applied, or undefined. */
  problem(topic: ParsedTopic | undefined, envelope: Envelope, retained: boolean): CommsError | undefined {
    if (retained && !(topic && RETAINABLE_TOPIC_KINDS.has(topic.kind))) return forged(`a retained message on ${topic?.kind ?? 'an unmapped'} topic; only cards, statuses and state snapshots are retained`);
    if (!topic) return undefined;
    const reason = this.topicProblem(topic, envelope);
    return reason === undefined ? undefined : forged(reason);
  }

  private topicProblem(topic: ParsedTopic, envelope: Envelope): string | undefined {
    switch (topic.kind) {
      case 'module-card':
      case 'module-status':
        return envelope.from === topic.subject ? undefined : `${topic.kind} of ${topic.subject} sent by ${envelope.from}`;
      case 'conversation-events':
      case 'conversation-state':
        if (envelope.conversationId !== topic.subject) return `conversation ${envelope.conversationId} published on conversation ${topic.subject}'s topic`;
        return this.partyProblem(envelope);
      case 'module-inbox':
        return this.requesterProblem(envelope);
      case 'replies':
        return envelope.kind === 'reply' ? this.replyProblem(envelope) : undefined;
      case 'workflow-state':
      case 'workflow-events':
        return this.orchestratorProblem(topic.subject, envelope);
      default:
        return undefined;
    }
  }

  /** Events and snapshots: from one of the parties, naming the same two parties as first recorded. */
  private partyProblem(envelope: Envelope): string | undefined {
    const claimed = claimedParties(envelope.body);
    const recorded = this.parties.get(envelope.conversationId) ?? claimed;
    if (envelope.from !== recorded.requester && envelope.from !== recorded.responder) {
      return `${envelope.schema} from ${envelope.from} about conversation ${envelope.conversationId} between ${recorded.requester} and ${recorded.responder}`;
    }
    if (claimed.requester !== recorded.requester || claimed.responder !== recorded.responder) {
      return `${envelope.schema} names ${claimed.requester} -> ${claimed.responder}, but conversation ${envelope.conversationId} is ${recorded.requester} -> ${recorded.responder}`;
    }
    return undefined;
  }

  /** A cancel, an input or a repeated request of a recorded conversation only from its requester. */
  private requesterProblem(envelope: Envelope): string | undefined {
    if (envelope.kind !== 'request' && envelope.kind !== 'cancel') return undefined;
    const recorded = this.parties.get(envelope.conversationId);
    if (!recorded || envelope.from === recorded.requester) return undefined;
    return `${envelope.kind} ${envelope.schema} from ${envelope.from} in conversation ${envelope.conversationId}, which ${recorded.requester} started`;
  }

  /** A reply sets the conversation's result: only from its responder, to its requester. */
  private replyProblem(envelope: Envelope): string | undefined {
    const recorded = this.parties.get(envelope.conversationId);
    if (!recorded || (envelope.from === recorded.responder && envelope.to === recorded.requester)) return undefined;
    return `reply from ${envelope.from} to ${envelope.to} in conversation ${envelope.conversationId}, which is ${recorded.requester} -> ${recorded.responder}`;
  }

  private orchestratorProblem(workflowId: string, envelope: Envelope): string | undefined {
    const owner = this.orchestrator.get(workflowId)?.orchestrator;
    if (owner == null || envelope.from === owner) return undefined;
    return `${envelope.schema} from ${envelope.from} about workflow ${workflowId}, which ${owner} runs`;
  }
}

/** The requester and responder a conversation event or snapshot body names (defensively: it reads the body as unknown). */
function claimedParties(body: unknown): Parties {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const name = (value: unknown) => (typeof value === 'string' ? value : null);
  return { requester: name(record.requester), responder: name(record.responder) };
}

function forged(reason: string): CommsError {
  return new CommsError('E_FORGED', `recorded as rejected, not applied: ${reason}.`);
}
