/**
 * The modules `comms up` runs or serves, each an actor user in credentials.json: `client` is the
 * CLI's requester (`comms run`, `comms ask`, the demo). `comms mosquitto-config` writes the same
 * users, so an external broker knows everyone `comms up --url` starts.
 */
export const SYSTEM_MODULES: readonly string[] = ['marker', 'arangodb', 'orchestrator', 'client'];
