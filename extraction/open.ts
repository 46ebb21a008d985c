import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { getDocument, VerbosityLevel } from './pdfjs.ts';
import { FONT_FACE_OPTIONS, inThreadWorker } from './pdfjs-port.ts';
import { CommsError } from '../protocol/index.ts';

export interface OpenedPdf {
  doc: PDFDocumentProxy;
  path: string;
  filename: string;
  bytes: number;
  sha256: string;
}

const pdfjsRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
/** pdf.js in Node reads these with fs when the path ends in a separator; no network, no DOM. */
const STANDARD_FONTS = join(pdfjsRoot, 'standard_fonts') + '/';
const CMAPS = join(pdfjsRoot, 'cmaps') + '/';

function errorName(err: unknown): string {
  return err && typeof err === 'object' && 'name' in err ? String((err as { name: unknown }).name) : '';
}

async function readPdfFile(path: string): Promise<Uint8Array> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error('not a regular file');
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new CommsError('E_PDF_INVALID', `Cannot read ${path}: ${(err as Error).message}. Check the path.`, { path }, { cause: err });
  }
}

/** Read (unless `given` holds the bytes already; `path` then only names them) and open a PDF, mapping pdf.js failures to the protocol's codes. */
export async function openPdf(path: string, password?: string, given?: Uint8Array): Promise<OpenedPdf> {
  const filename = basename(path);
  const data = given ? new Uint8Array(given) : await readPdfFile(path);
  if (data.byteLength === 0) {
    throw new CommsError('E_PDF_INVALID', `${filename} is empty (0 bytes); it is not a PDF.`, { path, bytes: 0 });
  }
  const bytes = data.byteLength;
  const sha256 = createHash('sha256').update(data).digest('hex');
  const task = getDocument({
    // pdf.js transfers (detaches) the buffer it is given; hash and size are taken first.
    data,
    password,
    // pdf.js's worker side runs in this thread behind our port, and builds no glyph outlines (pdfjs-port.ts).
    worker: inThreadWorker(),
    ...FONT_FACE_OPTIONS,
    isEvalSupported: false,
    useSystemFonts: false,
    standardFontDataUrl: STANDARD_FONTS,
    cMapUrl: CMAPS,
    cMapPacked: true,
    verbosity: VerbosityLevel.ERRORS,
    stopAtErrors: false,
    // Text extraction never needs pixels: pdf.js drops images before decoding them, and
    // image-boxes.ts finds where they were painted from the graphics state left behind.
    maxImageSize: 0,
    // Fonts carry their encoding (/Differences, base encoding) and ToUnicode table to this side,
    // so codes pdf.js could not map can be decoded from glyph names (font-codes.ts).
    fontExtraProperties: true,
  });
  try {
    const doc = await task.promise;
    return { doc, path: resolve(path), filename, bytes, sha256 };
  } catch (err) {
    await task.destroy().catch(() => undefined);
    const name = errorName(err);
    const message = err instanceof Error ? err.message : String(err);
    if (name === 'PasswordException') {
      const code = (err as { code?: number }).code;
      const why = code === 2 ? 'the password given is wrong' : 'a password is required';
      throw new CommsError('E_PDF_PASSWORD', `${filename} is encrypted and ${why}. Pass the document's user password.`, { path, reason: code === 2 ? 'incorrect' : 'missing' }, { cause: err });
    }
    throw new CommsError('E_PDF_INVALID', `${filename} is not a readable PDF (${message}). Check that the file is a complete PDF.`, { path, bytes, cause: message }, { cause: err });
  }
}
