import type { PDFDocumentProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { AnnotationMode } from './pdfjs.ts';
import { getPage } from './pdfjs-port.ts';
import type { FontStyles } from './fonts.ts';
import type { Box, Matrix } from './geometry.ts';
import { imageBoxes } from './image-boxes.ts';
import { figureBoxes, layoutPage } from './layout.ts';
import { buildSegments } from './segments.ts';
import type { PageLayout } from './types.ts';

/**
 * Read one page into blocks. The operator list is needed for images and to load fonts (their
 * names tell bold and monospace); it and the page's objects are released before returning so
 * memory stays flat over long documents.
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
    let images: Box[] = [];
    let imageCount = 0;
    try {
      const ops = await page.getOperatorList({ annotationMode: AnnotationMode.DISABLE });
      images = imageBoxes(ops.fnArray, ops.argsArray, vt);
      imageCount = images.length;
    } catch {
      // A broken content stream loses images and font styles only; text may still come through.
    }
    const content = await page.getTextContent({ includeMarkedContent: false });
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
