/**
 * What the broker asks before letting a client connect, publish or subscribe. The embedded broker
 * runs open when no policy is given (tests, local experiments); `comms up` gives it one built from
 * the credentials file so that security is on by default (security/role-policy.ts).
 */
export interface Principal {
  username: string;
  /** Role names the policy knows, e.g. 'actor', 'recorder', 'observer', 'admin'. */
  role: string;
  /** The module this principal speaks for, when it is one (its card, status, inbox, `from`). */
  module?: string;
}

export interface AccessPolicy {
  /**
   * Resolve credentials to a principal, or undefined when they are wrong (CONNACK 4). Throwing a
   * CommsError with code E_NOT_AUTHORIZED refuses the connection with CONNACK 5 (e.g. the client id
   * does not belong to the user); any other throw gives CONNACK 3.
   */
  authenticate(username: string | undefined, password: Buffer | undefined, clientId: string): Promise<Principal | undefined>;
  /**
   * May this principal publish this payload to this topic, with this retain flag? Also asked for the
   * last will when the client connects (a refused will refuses the connection).
   */
  canPublish(principal: Principal, topic: string, clientId: string, payload: Buffer, retain: boolean): boolean;
  canSubscribe(principal: Principal, filter: string, clientId: string): boolean;
}
