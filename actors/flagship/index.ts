import { Actor, type Conversation } from '../runtime/index.ts';
import { createArangodbActor } from '../arangodb/index.ts';
import { createMarkerActor, PDF_CONVERT_SCHEMA_ID, type PdfConvertBody, type PdfConvertResultBody } from '../marker/index.ts';
import { startBroker, type EmbeddedBroker } from '../../broker/index.ts';
import type { ArangoTarget } from '../../ingest/index.ts';
import { createLogger, type Logger } from '../../logging/index.ts';
import { newId, type ConversationSnapshot, type ConversationStateName, type ProgressReport } from '../../protocol/index.ts';

export interface RunMarkerToArangodbOptions {
  /** Broker URL. Without one an embedded broker is started on an ephemeral port and closed at the end. */
  url?: string;
  username?: string;
  password?: string;
  /** PDF file to convert. */
  pdf: string;
  /** User password of an encrypted PDF. */
  pdfPassword?: string;
  /** JSONL output root (the arangodb actor writes `{outDir}/{documentKey}/*.jsonl`). */
  outDir: string;
  maxPages?: number;
  /** Send the document to arangodb (default true); false stops after validation. */
  ingest?: boolean;
  /** Whole conversation; marker's progress extends it while work goes on. Default 10 min. */
  timeoutMs?: number;
  /** Start the marker and arangodb actors here (default true); false when they already run on the broker (`comms up`). */
  startActors?: boolean;
  /** Passed to the arangodb actor; default from ARANGO_* environment variables. */
  arango?: ArangoTarget | false;
  onProgress?: (report: ProgressReport) => void;
  onState?: (state: ConversationStateName, snapshot: ConversationSnapshot) => void;
  /** Called once with the conversation right after it is created (to watch or cancel it). */
  onConversation?: (conversation: Conversation<PdfConvertResultBody>) => void;
  logger?: Logger;
}

export interface RunMarkerToArangodbResult {
  url: string;
  conversationId: string;
  result: PdfConvertResultBody;
}

/**
 * The flagship (ARCHITECTURE §7) in one call: a `client` actor asks `marker` for `pdf.convert@1`;
 * marker asks `arangodb` for its requirements, extracts, validates and sends `document.ingest@1`.
 * Rejects with the conversation's CommsError (E_PDF_PASSWORD, E_DOCUMENT_INVALID, E_TIMEOUT, ...).
 * Everything it started (actors, embedded broker) is stopped before it returns.
 */
export async function runMarkerToArangodb(options: RunMarkerToArangodbOptions): Promise<RunMarkerToArangodbResult> {
  const logger = options.logger ?? createLogger('flagship');
  const stack: Array<() => Promise<void>> = [];
  let broker: EmbeddedBroker | undefined;
  try {
    let url = options.url;
    if (!url) {
      broker = await startBroker({ port: 0 });
      const started = broker;
      stack.push(() => started.close());
      url = broker.url;
    }
    const auth = { username: options.username, password: options.password };
    if (options.startActors !== false) {
      const arangodb = createArangodbActor({ url, ...auth, outDir: options.outDir, ...(options.arango !== undefined ? { arango: options.arango } : {}), logger });
      await arangodb.start();
      stack.push(() => arangodb.stop());
      const marker = createMarkerActor({ url, ...auth, logger });
      await marker.start();
      stack.push(() => marker.stop());
    }
    const client = new Actor({ name: 'client', clientId: `client-${newId()}`, url, ...auth, description: 'flagship requester', logger });
    await client.start();
    stack.push(() => client.stop());

    const body: PdfConvertBody = {
      path: options.pdf,
      ...(options.pdfPassword !== undefined ? { password: options.pdfPassword } : {}),
      ...(options.maxPages !== undefined ? { maxPages: options.maxPages } : {}),
      ...(options.ingest !== undefined ? { ingest: options.ingest } : {}),
    };
    const conversation = client.request<PdfConvertResultBody>('marker', PDF_CONVERT_SCHEMA_ID, body, { timeoutMs: options.timeoutMs ?? 600_000 });
    if (options.onProgress) conversation.on('progress', options.onProgress);
    if (options.onState) conversation.on('state', options.onState);
    options.onConversation?.(conversation);
    const result = await conversation.result;
    await conversation.flushed();
    return { url, conversationId: conversation.id, result };
  } finally {
    for (const stop of stack.reverse()) await stop().catch((err: unknown) => logger.warn({ err }, 'flagship shutdown step failed'));
  }
}

export { queryPdfRequirements } from './query-pdf-requirements.ts';
