/** 2-D affine helpers in pdf.js's [a, b, c, d, e, f] convention. */
export type Matrix = [number, number, number, number, number, number];
export type Box = [number, number, number, number];

/** m1 x m2: apply m2 first, then m1 (as pdf.js Util.transform). */
export function multiply(m1: readonly number[], m2: readonly number[]): Matrix {
  const [a1, b1, c1, d1, e1, f1] = m1 as Matrix;
  const [a2, b2, c2, d2, e2, f2] = m2 as Matrix;
  return [a1 * a2 + c1 * b2, b1 * a2 + d1 * b2, a1 * c2 + c1 * d2, b1 * c2 + d1 * d2, a1 * e2 + c1 * f2 + e1, b1 * e2 + d1 * f2 + f1];
}

export function apply(m: readonly number[], x: number, y: number): [number, number] {
  return [m[0]! * x + m[2]! * y + m[4]!, m[1]! * x + m[3]! * y + m[5]!];
}

export function boxOfPoints(points: Array<[number, number]>): Box {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

export function union(a: Box, b: Box): Box {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

export function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function intersects(a: Box, b: Box, slack = 0): boolean {
  return a[0] <= b[2] + slack && b[0] <= a[2] + slack && a[1] <= b[3] + slack && b[1] <= a[3] + slack;
}

/** Rotate a point into the frame where text at `angle` (radians, y-down) runs along +x. */
export function toFrame(x: number, y: number, cos: number, sin: number): [number, number] {
  return [x * cos + y * sin, -x * sin + y * cos];
}

export function fromFrame(x: number, y: number, cos: number, sin: number): [number, number] {
  return [x * cos - y * sin, x * sin + y * cos];
}

export function round2(b: Box): Box {
  return b.map((v) => Math.round(v * 100) / 100) as Box;
}
