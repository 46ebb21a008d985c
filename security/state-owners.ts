import { RETAINABLE_TOPIC_KINDS, type ParsedTopic } from '../protocol/index.ts';

/** Conversations remembered at most; the oldest are forgotten first (their snapshots were cleared long ago). */
const DEFAULT_CAPACITY = 100_000;

/**
 * Who owns each conversation's retained state snapshot: the first module that published on the
 * conversation's topics (its requester, whose Conversation publishes the first event before any
 * snapshot). The broker knows no conversation otherwise, so this is how "only by its owner" is
 * checked without reading payloads. Bounded: an id forgotten after `capacity` newer ones, or after a
 * broker restart, is claimed again by whoever publishes on it first (docs/security.md, limits).
 */
export class StateOwners {
  private readonly owners = new Map<string, string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Record `module` as the owner of conversation `id` unless someone already is; returns the owner. */
  claim(id: string, module: string): string {
    const owner = this.owners.get(id);
    if (owner !== undefined) return owner;
    this.owners.set(id, module);
    if (this.owners.size > this.capacity) {
      const oldest = this.owners.keys().next().value;
      if (oldest !== undefined) this.owners.delete(oldest);
    }
    return module;
  }
}

/**
 * Why an actor's publish on `topic` breaks the retained and state-ownership rules, or undefined.
 * Retained messages are refused except on cards, statuses and state snapshots (whose owners the
 * topic rules already pin: a module's own card/status, workflows only by the orchestrator); a
 * conversation's state snapshot, retained or not, only by the conversation's owner.
 */
export function retainedProblem(module: string, topic: ParsedTopic, retain: boolean, owners: StateOwners): string | undefined {
  if (retain && !RETAINABLE_TOPIC_KINDS.has(topic.kind)) return `retained messages are only allowed on cards, statuses and state snapshots, not on ${topic.kind} topics`;
  if (topic.kind !== 'conversation-events' && topic.kind !== 'conversation-state') return undefined;
  const owner = owners.claim(topic.subject, module);
  if (topic.kind === 'conversation-state' && owner !== module) return `conversation ${topic.subject}'s state belongs to ${owner}, not ${module}`;
  return undefined;
}

/** An admin may retain only where anyone may, or clear a retained message anywhere (an empty payload). */
export function adminRetainedProblem(topic: ParsedTopic | undefined, retain: boolean, payload: Buffer): string | undefined {
  if (!retain || payload.length === 0 || (topic && RETAINABLE_TOPIC_KINDS.has(topic.kind))) return undefined;
  return `retained messages are only allowed on cards, statuses and state snapshots, not on ${topic?.kind ?? 'unmapped'} topics`;
}
