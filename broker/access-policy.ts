/**
 * What the broker asks before letting a client connect, publish or subscribe. The embedded broker
 * runs open when no policy is given (tests, local experiments); `comms up` gives it one built from
 * the credentials file so that security is on by default.
 */
export interface Principal {
  username: string;
  /** Role names the policy knows, e.g. 'actor', 'recorder', 'observer', 'admin'. */
  role: string;
}

export interface AccessPolicy {
  /** Resolve credentials to a principal, or undefined when they are wrong. */
  authenticate(username: string | undefined, password: Buffer | undefined, clientId: string): Promise<Principal | undefined>;
  canPublish(principal: Principal, topic: string, clientId: string): boolean;
  canSubscribe(principal: Principal, filter: string, clientId: string): boolean;
}
