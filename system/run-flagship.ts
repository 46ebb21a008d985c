import { dirname, resolve } from 'node:path';
import { isPdfUrl, runMarkerToArangodb, type RunMarkerToArangodbOptions, type RunMarkerToArangodbResult } from '../actors/flagship/index.ts';
import { waitUntilRecordedEnd } from './wait-until-recorded-end.ts';
import { withSystem, type WithSystemOptions } from './with-system.ts';

export type RunFlagshipOptions = Omit<RunMarkerToArangodbOptions, 'url' | 'username' | 'password'> & WithSystemOptions;

export interface RunFlagshipResult extends RunMarkerToArangodbResult {
  /** The database the run was recorded in, when the system was started for it. */
  dbPath?: string;
}

/**
 * The flagship end to end: on the system at `url`, or on one started for this run (then stopped once
 * the recorder has the conversation's final state, so `comms status <conversationId>` shows it).
 */
export function runFlagship(options: RunFlagshipOptions): Promise<RunFlagshipResult> {
  const { url, username, password, dataDir, outDir, arango, retentionDays, logger, inputRoots, ...flow } = options;
  // A system started for this run lets marker read the PDF's own folder (a running one has its own --inputs).
  const roots = [...(inputRoots ?? []), ...(isPdfUrl(flow.pdf) ? [] : [dirname(resolve(flow.pdf))])];
  const systemOptions: WithSystemOptions = { url, username, password, dataDir, outDir, arango, retentionDays, logger, inputRoots: roots };
  return withSystem(systemOptions, async (target) => {
    let conversationId: string | undefined;
    try {
      const run = await runMarkerToArangodb({
        ...flow,
        url: target.url,
        username: target.username,
        password: target.password,
        logger,
        onConversation: (conversation) => {
          conversationId = conversation.id;
          flow.onConversation?.(conversation);
        },
      });
      return { ...run, ...(target.system ? { dbPath: target.system.dbPath } : {}) };
    } finally {
      // Also after a failure: the failed conversation is worth finding with `comms status`.
      if (target.system && conversationId) await waitUntilRecordedEnd(target.system.recorder, conversationId);
    }
  });
}
