import type { CommsConfig } from './comms-config.ts';

/** What `comms up` hosts when there is no comms.config.json: the advisor, on whatever backend is available. */
export const DEFAULT_CONFIG: CommsConfig = {
  modules: [
    {
      name: 'advisor',
      kind: 'advisor',
      description: 'Answers compatibility checks between PDF documents and the modules that consume them, and free-text questions about any module.',
      queries: ['pdf.compatibility.check@1', 'ask@1'],
      backend: 'auto',
      pool: { size: 2, idleTimeoutMs: 300_000 },
      history: { conversations: 10 },
    },
  ],
};
