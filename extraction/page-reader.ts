import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { getPage } from './pdfjs-port.ts';
import type { FontStyles } from './fonts.ts';
import type { Box, Matrix } from './geometry.ts';
import { imageBoxes } from './image-boxes.ts';
import { figureBoxes, layoutPage } from './layout.ts';
import { buildSegments } from './segments.ts';
import type { PageLayout } from './types.ts';

/**
 * Every font named by the page's text items is in `commonObjs` by the time this returns, unless
 * pdf.js never sent it (a font it failed to load). The text pass sends each font before the first
 * text item that uses it (pdfjs-text-pass.ts), but the API side registers a font a few promise
 * steps after receiving it, and the text content can be complete before the last of those steps.
 * Those steps are all promise reactions, so they have run by the time a macrotask (setImmediate)
 * runs: waiting for one when a font is still missing is enough, and costs nothing on most pages.
 */
async function fontsArrived(page: PDFPageProxy, styles: Record<string, unknown>): Promise<void> {
  for (const id of Object.keys(styles)) {
    if (!page.commonObjs.has(id)) return new Promise((settled) => setImmediate(settled));
  }
}

/**
 * Read one page into blocks, from one pass of pdf.js over its content: the text pass, which also
 * sends the fonts it loads (their names tell bold and monospace) and notes where images are
 * painted (pdfjs-text-pass.ts). The page's objects are released before returning so memory stays
 * flat over long documents.
 */
export async function readPage(
  doc: PDFDocumentProxy,
  index: number,
  fonts: FontStyles,
): Promise<{ layout: PageLayout; sizeChars: Map<number, number>; transform: Matrix }> {
  const page = await getPage(doc, index + 1);
  try {
    const viewport = page.getViewport({ scale: 1 });
    const vt = viewport.transform as Matrix;
    const content = await page.getTextContent({ includeMarkedContent: false });
    await fontsArrived(page, content.styles);
    const images = imageBoxes(content.items, vt);
    const imageCount = images.length;
    const { groups, chars, sizeChars, quality } = buildSegments(content.items, content.styles, vt, page, fonts);
    const pageBox: Box = [0, 0, viewport.width, viewport.height];
    const clipped = images
      .map((b): Box => [Math.max(b[0], pageBox[0]), Math.max(b[1], pageBox[1]), Math.min(b[2], pageBox[2]), Math.min(b[3], pageBox[3])])
      .filter((b) => b[2] > b[0] && b[3] > b[1]);
    const figures = figureBoxes(clipped, viewport.width * viewport.height).map((box) => ({
      box,
      count: clipped.filter((b) => b[0] >= box[0] - 1 && b[1] >= box[1] - 1 && b[2] <= box[2] + 1 && b[3] <= box[3] + 1).length,
    }));
    const blocks = layoutPage(index, groups, figures);
    return {
      layout: {
        index,
        width: viewport.width,
        height: viewport.height,
        rotation: page.rotate,
        textChars: chars,
        imageCount,
        blocks,
        ...(quality.length > 0 ? { quality } : {}),
      },
      sizeChars,
      transform: vt,
    };
  } finally {
    page.cleanup();
  }
}
