import { apply, boxOfPoints, multiply, type Box, type Matrix } from './geometry.ts';

/**
 * Where a page paints images, from the image items pdf.js's text pass adds to its text content
 * (pdfjs-text-pass.ts): one per image painted (XObject or inline), with the transformation matrix
 * it was painted under. An image fills the unit square of that matrix (PDF 32000-1, 8.9.4), so the
 * square's corners, taken to the viewport, give its box. No image is decoded: the document is
 * opened with `maxImageSize: 0` and the text pass never reads image data.
 * Evidence: on every page of the visible corpus these boxes equal those the operator list gave
 * (paint operators and, with images dropped before decoding, the save/transform/restore groups
 * left behind; checked with scripts/dump-extraction.ts, whose output did not change).
 */

/**
 * Boxes under 8 pt a side are bullets, icons or empty groups (TikZ emits transformed groups that
 * draw nothing, 5 pt across on one page of the German lecture notes), never figures or scans.
 */
const MIN_SIDE = 8;

function isImageItem(item: unknown): item is { type: 'image'; transform: number[] } {
  return typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'image' && Array.isArray((item as { transform?: unknown }).transform);
}

function unitSquare(viewport: Matrix, ctm: Matrix): Box {
  const m = multiply(viewport, ctm);
  return boxOfPoints([apply(m, 0, 0), apply(m, 1, 0), apply(m, 0, 1), apply(m, 1, 1)]);
}

/** Image boxes in viewport space (top-left origin), in painting order, 8 pt or more a side. */
export function imageBoxes(items: readonly unknown[], viewport: Matrix): Box[] {
  const boxes: Box[] = [];
  for (const item of items) {
    if (!isImageItem(item) || item.transform.length < 6) continue;
    const box = unitSquare(viewport, item.transform as unknown as Matrix);
    if (box[2] - box[0] >= MIN_SIDE && box[3] - box[1] >= MIN_SIDE) boxes.push(box);
  }
  return boxes;
}
