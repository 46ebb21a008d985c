import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Actor, type Conversation } from '../runtime/index.ts';
import { createLogger, type Logger } from '../../logging/index.ts';
import { newId, type ConversationSnapshot, type ConversationStateName, type ProgressReport } from '../../protocol/index.ts';
import { PDF_CONVERT_SCHEMA_ID, type PdfConvert, type PdfConvertResult } from '../../protocol/pdf/index.ts';

export interface RunMarkerToArangodbOptions {
  /** Broker of a running system (marker and arangodb online); `system/` starts one when there is none. */
  url: string;
  username?: string;
  password?: string;
  /** PDF to convert: a file path (under one of marker's input folders), or an http(s) URL marker fetches. */
  pdf: string;
  /** Send the file's bytes in the request (base64 `content`, up to about 9 MiB of PDF) instead of its path. */
  inline?: boolean;
  /** User password of an encrypted PDF. */
  pdfPassword?: string;
  maxPages?: number;
  /** Send the document to arangodb (default true); false stops after validation. */
  ingest?: boolean;
  /** Whole conversation; marker's progress extends it while work goes on. Default 10 min. */
  timeoutMs?: number;
  onProgress?: (report: ProgressReport) => void;
  onState?: (state: ConversationStateName, snapshot: ConversationSnapshot) => void;
  /** Called once with the conversation right after it is created (to watch or cancel it). */
  onConversation?: (conversation: Conversation<PdfConvertResult>) => void;
  logger?: Logger;
}

export interface RunMarkerToArangodbResult {
  url: string;
  conversationId: string;
  result: PdfConvertResult;
}

/**
 * The flagship's client side (docs/flagship.md): a `client` actor asks `marker` for `pdf.convert@1`
 * and follows its progress; marker asks `arangodb` for its requirements, extracts, validates and
 * sends `document.ingest@1`. Rejects with the conversation's CommsError (E_PDF_PASSWORD,
 * E_DOCUMENT_INVALID, E_TIMEOUT, ...). Starts no broker and no module: it only needs a running
 * system at `url` (see `runFlagship` in system/ for one that starts it when needed).
 */
export async function runMarkerToArangodb(options: RunMarkerToArangodbOptions): Promise<RunMarkerToArangodbResult> {
  const logger = options.logger ?? createLogger('flagship');
  const client = new Actor({
    name: 'client',
    clientId: `client-${newId()}`,
    url: options.url,
    username: options.username,
    password: options.password,
    description: 'flagship requester',
    logger,
  });
  await client.start();
  try {
    const body: PdfConvert = {
      ...(await pdfSource(options)),
      ...(options.pdfPassword !== undefined ? { password: options.pdfPassword } : {}),
      ...(options.maxPages !== undefined ? { maxPages: options.maxPages } : {}),
      ...(options.ingest !== undefined ? { ingest: options.ingest } : {}),
    };
    const conversation = client.request<PdfConvertResult>('marker', PDF_CONVERT_SCHEMA_ID, body, { timeoutMs: options.timeoutMs ?? 600_000 });
    if (options.onProgress) conversation.on('progress', options.onProgress);
    if (options.onState) conversation.on('state', options.onState);
    options.onConversation?.(conversation);
    const result = await conversation.result;
    await conversation.flushed();
    return { url: options.url, conversationId: conversation.id, result };
  } finally {
    await client.stop().catch((err: unknown) => logger.warn({ err }, 'flagship client did not stop cleanly'));
  }
}

/** True for the http(s) URLs marker fetches itself. */
export function isPdfUrl(pdf: string): boolean {
  return /^https?:\/\//i.test(pdf);
}

/** How the request names the PDF: url, inline bytes, or a path marker checks against its input folders. */
async function pdfSource(options: RunMarkerToArangodbOptions): Promise<Pick<PdfConvert, 'path' | 'content' | 'filename' | 'url'>> {
  if (isPdfUrl(options.pdf)) return { url: options.pdf };
  if (options.inline) return { content: (await readFile(options.pdf)).toString('base64'), filename: basename(options.pdf) };
  return { path: options.pdf };
}
