/**
 * Perspective rectification of a quadrilateral (plate corners) to an upright rectangle,
 * bilinear sampling. Pure: frame in, frame out.
 */
import type { RgbFrame } from '../frame.js';

export type Point = readonly [number, number];

/** Solves the 8-unknown homography mapping `dst[i]` → `src[i]` (Gaussian elimination). */
export function homography(dst: readonly Point[], src: readonly Point[]): number[] {
  const A: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = dst[i]!;
    const [u, v] = src[i]!;
    A.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    A.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let c = 0; c < 8; c++) {
    let piv = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[piv]![c]!)) piv = r;
    [A[c], A[piv]] = [A[piv]!, A[c]!];
    const d = A[c]![c]!;
    if (Math.abs(d) < 1e-12) throw new RangeError('homography: degenerate corners');
    for (let k = c; k < 9; k++) A[c]![k]! /= d;
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = A[r]![c]!;
      if (f === 0) continue;
      for (let k = c; k < 9; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  return [...A.map((row) => row[8]!), 1];
}

/**
 * Warps the quadrilateral `corners` (top-left, top-right, bottom-right, bottom-left, frame
 * pixels) to a `width × height` image.
 */
export function warpQuad(f: RgbFrame, corners: readonly Point[], width: number, height: number): RgbFrame {
  const dst: Point[] = [
    [0, 0],
    [width - 1, 0],
    [width - 1, height - 1],
    [0, height - 1],
  ];
  const h = homography(dst, corners);
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const w = h[6]! * x + h[7]! * y + h[8]!;
      const sx = Math.min(f.width - 1, Math.max(0, (h[0]! * x + h[1]! * y + h[2]!) / w));
      const sy = Math.min(f.height - 1, Math.max(0, (h[3]! * x + h[4]! * y + h[5]!) / w));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(f.width - 1, x0 + 1);
      const y1 = Math.min(f.height - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const a = f.data[(y0 * f.width + x0) * 3 + c]!;
        const b = f.data[(y0 * f.width + x1) * 3 + c]!;
        const d = f.data[(y1 * f.width + x0) * 3 + c]!;
        const e = f.data[(y1 * f.width + x1) * 3 + c]!;
        out[(y * width + x) * 3 + c] = Math.round(
          a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + d * (1 - fx) * fy + e * fx * fy,
        );
      }
    }
  }
  return { data: out, width, height };
}

const dist = (a: Point, b: Point): number => Math.hypot(a[0] - b[0], a[1] - b[1]);

/** Natural size of the rectified quad (mean of opposite side lengths). */
export function quadSize(corners: readonly Point[]): { width: number; height: number } {
  const [tl, tr, br, bl] = corners as [Point, Point, Point, Point];
  return { width: (dist(tl, tr) + dist(bl, br)) / 2, height: (dist(tl, bl) + dist(tr, br)) / 2 };
}
