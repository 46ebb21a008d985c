/**
 * pdf.js's worker side, loaded with three small changes to its text pass so that one pass over a
 * page's content gives everything extraction needs: its text, its fonts and where it paints images.
 *
 * Why: pdf.js reads a page's content stream once per question. Text comes from getTextContent;
 * fonts (their names tell bold and monospace, their encodings decode text without a ToUnicode map)
 * reach the API side's `commonObjs` only from getOperatorList, which also was the only way to see
 * images. So every page was parsed twice, and the operator list was built (thousands of argument
 * arrays per page) only to be scanned for images and thrown away: in CPU profiles of the corpus
 * that second pass, handing it over and the garbage it left were about a fifth of extraction.
 * The text pass already walks every operator, loads every font and resolves every XObject with the
 * current transformation matrix at hand; it only forgets to tell. The changes make it tell:
 *
 * 1. FONT: each font the text pass loads is sent to the API side's `commonObjs` exactly as the
 *    operator list pass sends it (`TranslatedFont.send`, which sends a font once per document).
 * 2. IMAGE: each image it passes (an image XObject painted with `Do`, by name, by a second name for
 *    the same object, or from the document's image cache; an inline image `BI ... EI`) adds an item
 *    `{ type: 'image', transform }` to the text content, the transform being the current
 *    transformation matrix: the image fills the unit square under it (PDF 32000-1, 8.9.4). pdf.js
 *    itself only noted such XObjects as "empty" and skipped them. A form XObject that paints only
 *    images now yields items, so pdf.js no longer marks it empty and reads it again where it is
 *    painted again, as it does for forms with text.
 * 3. INLINE: the text pass's switch gets a case for inline images (it had none: they were parsed
 *    and dropped).
 *
 * How: the worker module's source text is read, each change is applied at an anchor that must
 * occur exactly once (else loading fails with E_INTERNAL, naming the change, instead of
 * extracting with a silently different pdf.js), and the result is imported from a `data:` URL
 * (nothing is written to disk). `import.meta.url` is replaced by the original file's URL, so the
 * module still finds its files (the WebAssembly decoders) beside the original. Checked against
 * pdfjs-dist 5.4.624 (PDFJS_CHECKED_VERSION); test/pdfjs-text-pass.test.ts fails when an
 * assumption breaks.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { CommsError } from '../protocol/index.ts';

/** One change: `find` must occur exactly once in the worker's source; it is replaced by `replace`. */
export interface SourcePatch {
  name: string;
  find: string;
  replace: string;
}

/** The text content item the IMAGE change adds (never a text item: it has no `str`). */
export interface ImageItem {
  type: 'image';
  /** The current transformation matrix where the image was painted, from page space. */
  transform: number[];
}

const NOTE_IMAGE = 'commsNoteImage';

export const TEXT_PASS_PATCHES: readonly SourcePatch[] = [
  {
    name: 'FONT: the text pass sends the fonts it loads',
    find: `      const translated = await self.loadFont(fontName, fontRef, resources, task);
      textState.loadedName = translated.loadedName;`,
    replace: `      const translated = await self.loadFont(fontName, fontRef, resources, task);
      translated.send(self.handler);
      textState.loadedName = translated.loadedName;`,
  },
  {
    name: 'IMAGE: the text pass keeps the names of image XObjects and notes each image',
    find: `    const emptyXObjectCache = new LocalImageCache();`,
    replace: `    const emptyXObjectCache = new LocalImageCache();
    const commsImageNames = new Set(), commsImageRefs = new Set();
    const ${NOTE_IMAGE} = () => { textContent.items.push({ type: "image", transform: stateManager.state.ctm.slice() }); };`,
  },
  {
    name: 'IMAGE: an XObject name seen before',
    find: `            if (isValidName && emptyXObjectCache.getByName(name)) {
              break;
            }
            next(new Promise(function (resolveXObject, rejectXObject) {`,
    replace: `            if (isValidName && emptyXObjectCache.getByName(name)) {
              if (commsImageNames.has(name)) ${NOTE_IMAGE}();
              break;
            }
            next(new Promise(function (resolveXObject, rejectXObject) {`,
  },
  {
    name: 'IMAGE: an XObject object seen before under another name, or cached as an image',
    find: `                if (emptyXObjectCache.getByRef(xobj)) {
                  resolveXObject();
                  return;
                }
                const globalImage = self.globalImageCache.getData(xobj, self.pageIndex);
                if (globalImage) {
                  resolveXObject();
                  return;
                }`,
    replace: `                if (emptyXObjectCache.getByRef(xobj)) {
                  if (commsImageRefs.has(xobj.toString())) {
                    commsImageNames.add(name);
                    ${NOTE_IMAGE}();
                  }
                  resolveXObject();
                  return;
                }
                const globalImage = self.globalImageCache.getData(xobj, self.pageIndex);
                if (globalImage) {
                  ${NOTE_IMAGE}();
                  resolveXObject();
                  return;
                }`,
  },
  {
    name: 'IMAGE: an image XObject met for the first time',
    find: `              if (type.name !== "Form") {
                emptyXObjectCache.set(name, dict.objId, true);
                resolveXObject();
                return;
              }
              const currentState = stateManager.state.clone();`,
    replace: `              if (type.name !== "Form") {
                emptyXObjectCache.set(name, dict.objId, true);
                if (type.name === "Image") {
                  commsImageNames.add(name);
                  if (dict.objId) commsImageRefs.add(dict.objId);
                  ${NOTE_IMAGE}();
                }
                resolveXObject();
                return;
              }
              const currentState = stateManager.state.clone();`,
  },
  {
    name: 'INLINE: the text pass notes inline images',
    find: `          case OPS.restore:
            if (previousState && (previousState.font !== textState.font`,
    replace: `          case OPS.endInlineImage:
            ${NOTE_IMAGE}();
            break;
          case OPS.restore:
            if (previousState && (previousState.font !== textState.font`,
  },
];

/** Apply patches to a source text; throws E_INTERNAL naming the first anchor not found exactly once. */
export function applyPatches(source: string, patches: readonly SourcePatch[]): string {
  let out = source;
  for (const p of patches) {
    const parts = out.split(p.find);
    if (parts.length !== 2) {
      throw new CommsError(
        'E_INTERNAL',
        `pdf.js's worker source does not match the extractor's change "${p.name}" (its anchor occurs ${parts.length - 1} times, expected once). ` +
          'The installed pdfjs-dist is not the version extraction/pdfjs-text-pass.ts was written for: reinstall with `npm ci`.',
        { patch: p.name, occurrences: parts.length - 1 },
      );
    }
    out = parts.join(p.replace);
  }
  return out;
}

const WORKER_PATH = createRequire(import.meta.url).resolve('pdfjs-dist/legacy/build/pdf.worker.mjs');

/** The patched worker module's source, as imported (exported for tests). */
export function patchedWorkerSource(): string {
  const source = applyPatches(readFileSync(WORKER_PATH, 'utf8'), TEXT_PASS_PATCHES);
  return source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(WORKER_PATH).href));
}

/** Load the patched worker module (once per thread: the import is cached by its URL). */
export async function importPatchedWorker(): Promise<Record<string, unknown>> {
  const url = `data:text/javascript;base64,${Buffer.from(patchedWorkerSource()).toString('base64')}`;
  return (await import(url)) as Record<string, unknown>;
}
