import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AccessPolicy, Principal } from '../broker/index.ts';
import { CommsError, decodeJsonObject, filterCovers, isIdentifier, parseTopic, INSTANCE_MANAGEMENT_IDS, INSTANCES_MODULE, RECORDER_QUERY_IDS, Topics, type ParsedTopic, isReplicaOf } from '../protocol/index.ts';
import { loadCredentials, type CredentialsFile, type CredentialUser, type Role } from './credentials-file.ts';
import { parsePasswordHash, verifyPassword, type ParsedPasswordHash } from './password-hash.ts';
import { adminRetainedProblem, retainedProblem, StateOwners } from './state-owners.ts';

/** A principal as RolePolicy hands it to the broker: role is one of the five, module set for actor and recorder. */
export interface RolePrincipal extends Principal {
  role: Role;
}

interface KnownUser {
  user: CredentialUser;
  hash: ParsedPasswordHash;
}

/** Verified against for unknown usernames, so their answer takes as long as a wrong password. */
const DUMMY_HASH = parsePasswordHash(`scrypt$16384$8$1$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`);

/**
 * The broker's access policy built from the credentials file (docs/security.md):
 * - actor (username = module M): its own card/status/deadletter, any inbox, any reply topic,
 *   conversation events/state; workflows only when M is `orchestrator`. Reads its inbox, its own
 *   reply topic, all cards and statuses, conversations and workflows. The envelope `from` must be M.
 *   Retained only on its card, status and state snapshots; a conversation's state only by the
 *   module that first published on that conversation (its requester), see state-owners.ts.
 * - recorder: reads `comms/v1/#`; writes its own card/status/deadletter and replies.
 * - observer (dashboard): reads `comms/v1/#`, never writes.
 * - operator (dashboard with controls): reads `comms/v1/#`; writes only workflow control topics and
 *   requests of the recorder's read-only history queries to a recorder's inbox; `from` must be its username.
 * - admin: reads and writes anything under `comms/v1/`; retains only where actors may, or clears.
 * Every client id must belong to its user: the namespace name itself, or it followed by `.` or `-`
 * (`marker`, `marker-2`, `observer.tab1`), so nobody can take over another user's session.
 */
export class RolePolicy implements AccessPolicy {
  private readonly users = new Map<string, KnownUser>();
  /** HMACs of passwords that passed scrypt once, so reconnects do not pay scrypt again. */
  private readonly verified = new Map<string, Buffer>();
  private readonly cacheKey = randomBytes(32);
  private readonly stateOwners = new StateOwners();

  constructor(credentials: CredentialsFile) {
    for (const user of credentials.users) this.users.set(user.username, { user, hash: parsePasswordHash(user.passwordHash) });
  }

  /**
   * Take a changed credentials file (`comms user add|passwd|remove` while `comms up` runs): logins
   * from now on use it. Sessions already connected stay connected until they reconnect.
   */
  replaceCredentials(credentials: CredentialsFile): void {
    // Parse every hash first, so a bad file changes nothing.
    const next = credentials.users.map((user) => [user.username, { user, hash: parsePasswordHash(user.passwordHash) }] as const);
    this.users.clear();
    for (const [name, known] of next) this.users.set(name, known);
    this.verified.clear();
  }

  static async fromFile(path: string): Promise<RolePolicy> {
    return new RolePolicy(await loadCredentials(path));
  }

  async authenticate(username: string | undefined, password: Buffer | undefined, clientId: string): Promise<RolePrincipal | undefined> {
    const known = username === undefined ? undefined : this.users.get(username);
    const secret = password ?? Buffer.alloc(0);
    const ok = await this.checkPassword(known, secret);
    if (!known || !ok) return undefined;
    const principal = toPrincipal(known.user);
    const namespace = principal.module ?? principal.username;
    if (!ownsClientId(namespace, clientId)) {
      throw new CommsError('E_NOT_AUTHORIZED', `client id ${JSON.stringify(clientId)} does not belong to user ${principal.username}; use ${namespace} or ${namespace}-<suffix>.`);
    }
    // `marker-2` is in the namespace of `marker`, but when `marker-2` is a user of its own the id is
    // that user's (its session, its reply topic): the longest namespace that owns an id wins.
    const closer = this.namespaces().find((other) => other.length > namespace.length && ownsClientId(other, clientId));
    if (closer !== undefined) {
      throw new CommsError('E_NOT_AUTHORIZED', `client id ${JSON.stringify(clientId)} belongs to user ${closer}, not ${principal.username}; use ${namespace} or ${namespace}-<suffix>.`);
    }
    return principal;
  }

  /** Modules that speak as a recorder: the only inboxes an operator may send (history) queries to. */
  private recorderModules(): string[] {
    return [...this.users.values()].filter(({ user }) => user.role === 'recorder').map(({ user }) => user.module ?? user.username);
  }

  /** The client-id namespace of every known user (module for actors and the recorder, else the username). */
  private namespaces(): string[] {
    return [...this.users.values()].map(({ user }) => {
      const p = toPrincipal(user);
      return p.module ?? p.username;
    });
  }

  canPublish(principal: Principal, topic: string, clientId: string, payload: Buffer, retain = false): boolean {
    return this.publishProblem(principal, topic, clientId, payload, retain) === undefined;
  }

  canSubscribe(principal: Principal, filter: string, clientId: string): boolean {
    return this.subscribeProblem(principal, filter, clientId) === undefined;
  }

  /** Why this publish is refused, or undefined when it is allowed. */
  publishProblem(principal: Principal, topic: string, clientId: string, payload: Buffer, retain = false): string | undefined {
    if (!topic.startsWith(Topics.prefix)) return `only topics under ${Topics.prefix} may be published`;
    const role = principal.role;
    if (role === 'admin') return adminRetainedProblem(parseTopic(topic), retain, payload);
    if (role === 'observer') return 'an observer never publishes';
    // A retained control would pause a workflow again on every reconnect: an operator never retains.
    if (role === 'operator') return retain ? 'an operator never publishes retained messages' : operatorPublishProblem(principal.username, this.recorderModules(), topic, payload);
    const module = principal.module;
    if ((role !== 'actor' && role !== 'recorder') || !module) return `unknown role ${JSON.stringify(role)}`;
    const parsed = parseTopic(topic);
    if (!parsed || !isIdentifier(parsed.subject)) return 'topic is not in the topic map';
    // The recorder clears the retained state of conversations it ended for a lost requester (empty retained payload only).
    if (role === 'recorder' && parsed.kind === 'conversation-state' && payload.length === 0) return undefined;
    const topicProblem = role === 'actor' ? actorPublishProblem(module, parsed) : recorderPublishProblem(module, parsed);
    if (topicProblem) return topicProblem;
    // Every non-empty message of an actor must name it as sender in a `from` the broker can read: a
    // receiver that cannot decode a message would otherwise have only unverified bytes to address
    // its error reply by, which a stranger could point at someone else's open request.
    const fields = envelopeFields(payload);
    const from = fields && Object.hasOwn(fields, 'from') ? fields.from : undefined;
    if (payload.length > 0 && from !== module) return from === undefined ? `a message must be a JSON envelope with from ${JSON.stringify(module)}` : `envelope from ${JSON.stringify(from)} is not ${module}`;
    // A request claims its conversation for its sender before the responder can publish on it.
    if (parsed.kind === 'module-inbox' && fields?.kind === 'request' && typeof fields.conversationId === 'string' && isIdentifier(fields.conversationId)) {
      this.stateOwners.claim(fields.conversationId, module);
    }
    return retainedProblem(module, parsed, retain, this.stateOwners);
  }

  /** Why this subscription is refused, or undefined when it is allowed. */
  subscribeProblem(principal: Principal, filter: string, clientId: string): string | undefined {
    const allowed = allowedFilters(principal, clientId);
    return allowed.some((a) => filterCovers(a, filter)) ? undefined : `${principal.role} ${principal.username} may only subscribe within ${allowed.join(', ') || 'nothing'}`;
  }

  private async checkPassword(known: KnownUser | undefined, secret: Buffer): Promise<boolean> {
    const mac = createHmac('sha256', this.cacheKey).update(secret).digest();
    const cached = known ? this.verified.get(known.user.username) : undefined;
    if (known && cached && timingSafeEqual(cached, mac)) return true;
    const ok = await verifyPassword(secret, known?.hash ?? DUMMY_HASH);
    if (ok && known) this.verified.set(known.user.username, mac);
    return ok && known !== undefined;
  }
}

function toPrincipal(user: CredentialUser): RolePrincipal {
  const principal: RolePrincipal = { username: user.username, role: user.role };
  if (user.role === 'actor' || user.role === 'recorder') principal.module = user.module ?? user.username;
  return principal;
}

/** A client id belongs to a namespace when it is the name itself or starts with `name.` or `name-`. */
function ownsClientId(namespace: string, clientId: string): boolean {
  return isIdentifier(clientId) && (clientId === namespace || clientId.startsWith(`${namespace}.`) || clientId.startsWith(`${namespace}-`));
}

function actorPublishProblem(module: string, topic: ParsedTopic): string | undefined {
  switch (topic.kind) {
    case 'module-card':
    case 'module-status':
    case 'deadletter':
      return topic.subject === module ? undefined : `${module} may only publish its own ${topic.kind}`;
    case 'replica-status':
      return isReplicaOf(module, topic.subject) ? undefined : `${module} may only publish the status of its own replicas (${module}-r<N>)`;
    case 'module-inbox':
    case 'replies':
    case 'conversation-events':
    case 'conversation-state':
      return undefined;
    case 'workflow-events':
    case 'workflow-state':
    case 'workflow-control':
      return module === 'orchestrator' ? undefined : 'only the orchestrator publishes workflow topics';
  }
}

function recorderPublishProblem(module: string, topic: ParsedTopic): string | undefined {
  switch (topic.kind) {
    case 'module-card':
    case 'module-status':
    case 'deadletter':
      return topic.subject === module ? undefined : `${module} may only publish its own ${topic.kind}`;
    case 'replies':
      return undefined;
    default:
      return `the recorder does not publish ${topic.kind} topics`;
  }
}

function allowedFilters(principal: Principal, clientId: string): string[] {
  switch (principal.role) {
    case 'admin':
    case 'observer':
    case 'operator':
    case 'recorder':
      return [Topics.all];
    case 'actor': {
      const module = principal.module;
      // Both were checked when the client connected; an unchecked one gets nothing rather than a throw.
      if (!isIdentifier(module) || !isIdentifier(clientId)) return [];
      return [
        Topics.moduleInbox(module),
        Topics.replies(clientId),
        Topics.filters.allCards,
        Topics.filters.allStatus,
        Topics.filters.allReplicaStatus,
        Topics.filters.conversations,
        Topics.filters.workflows,
      ];
    }
    default:
      return [];
  }
}

/** An operator sends workflow control and the recorder's history queries, nothing else (docs/security.md). */
function operatorPublishProblem(username: string, recorders: readonly string[], topic: string, payload: Buffer): string | undefined {
  const parsed = parseTopic(topic);
  const envelope = envelopeFields(payload);
  // A bare `{ command }` has no from; an envelope must name the operator, so the record says who sent it.
  if (parsed?.kind === 'workflow-control') return envelope?.from === undefined || envelope.from === username ? undefined : `envelope from ${JSON.stringify(envelope.from)} is not ${username}`;
  if (parsed?.kind === 'module-inbox' && parsed.subject === INSTANCES_MODULE) return instanceManagementProblem(username, envelope);
  if (parsed?.kind !== 'module-inbox' || !recorders.includes(parsed.subject)) return 'an operator only publishes workflow control and history queries to the recorder';
  if (envelope?.from !== username) return `envelope from ${JSON.stringify(envelope?.from)} is not ${username}`;
  if (typeof envelope.schema !== 'string' || !RECORDER_QUERY_IDS.includes(envelope.schema)) return `an operator may only ask the recorder ${RECORDER_QUERY_IDS.join(', ')}`;
  return undefined;
}

/** An operator may list and pause/resume/terminate LLM instances (comms instances), as itself. */
function instanceManagementProblem(username: string, envelope: Record<string, unknown> | undefined): string | undefined {
  if (envelope?.from !== username) return `envelope from ${JSON.stringify(envelope?.from)} is not ${username}`;
  if (typeof envelope.schema !== 'string' || !INSTANCE_MANAGEMENT_IDS.includes(envelope.schema)) return `an operator may only ask ${INSTANCES_MODULE} ${INSTANCE_MANAGEMENT_IDS.join(', ')}`;
  return undefined;
}

/** The payload as a JSON object, decoded as receivers decode it (any size the broker accepted); undefined when it is not one. */
function envelopeFields(payload: Buffer): Record<string, unknown> | undefined {
  return decodeJsonObject(payload, { maxBytes: payload.byteLength });
}
