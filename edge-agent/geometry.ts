/**
 * Pure 2-D geometry for the edge agent: anchors, polygons, directed segments, IoU and
 * box-space conversion. No I/O, no clock; every function is total on finite inputs.
 *
 * Conventions: image coordinates, x to the right and y *down*; boxes are `[x1, y1, x2, y2]`
 * rows in a flat `Float32Array` (the `Detections.xyxy` layout); polygons and points used by
 * zones are normalised to 0..1 of the frame (`boxNorm`), detector boxes are pixels (`boxPx`).
 */

/** A point `[x, y]`. */
export type Point = readonly [number, number];

/** A closed polygon as its vertices in order (either winding); the last edge closes it. */
export type Polygon = readonly Point[];

/** A box `[x1, y1, x2, y2]`. */
export type Box = readonly [number, number, number, number];

/** Bottom-centre anchor of box `i` in a flat xyxy array: where a person or vehicle touches the ground. */
export function bottomCentre(xyxy: ArrayLike<number>, i: number): [number, number] {
  const o = i * 4;
  return [(xyxy[o]! + xyxy[o + 2]!) / 2, xyxy[o + 3]!];
}

/** Bottom-centre anchors of every row, as a flat `[x0, y0, x1, y1, …]` array. */
export function bottomCentres(xyxy: Float32Array): Float32Array {
  const n = xyxy.length >> 2;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const o = i * 4;
    out[i * 2] = (xyxy[o]! + xyxy[o + 2]!) / 2;
    out[i * 2 + 1] = xyxy[o + 3]!;
  }
  return out;
}

/**
 * Whether `[x, y]` lies inside `polygon` (even-odd rule, ray casting; W. R. Franklin's PNPOLY).
 * Points exactly on an edge count as inside, so an anchor resting on a drawn border is
 * not flickering in and out because of float rounding alone.
 */
export function pointInPolygon(x: number, y: number, polygon: Polygon): boolean {
  const n = polygon.length;
  if (n < 3) return false;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (onSegment(x, y, xi, yi, xj, yj)) return true;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function onSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): boolean {
  const cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
  const scale = Math.abs(bx - ax) + Math.abs(by - ay);
  if (Math.abs(cross) > 1e-9 * Math.max(1, scale)) return false;
  return (
    px >= Math.min(ax, bx) - 1e-12 &&
    px <= Math.max(ax, bx) + 1e-12 &&
    py >= Math.min(ay, by) - 1e-12 &&
    py <= Math.max(ay, by) + 1e-12
  );
}

/**
 * Which side of the directed line `a → b` the point `p` is on: `+1` on the right-hand side
 * (facing from `a` to `b` in image coordinates, y down), `-1` on the left, `0` on the line.
 * The sign is that of the 2-D cross product `(b − a) × (p − a)`.
 */
export function sideOfLine(p: Point, a: Point, b: Point): -1 | 0 | 1 {
  const cross = (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]);
  if (Math.abs(cross) < 1e-12) return 0;
  return cross > 0 ? 1 : -1;
}

/**
 * Whether the closed segments `p1p2` and `q1q2` share a point (touching and collinear
 * overlap included). Classic orientation test (CLRS §33.1).
 */
export function segmentsIntersect(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = sideOfLine(p1, q1, q2);
  const d2 = sideOfLine(p2, q1, q2);
  const d3 = sideOfLine(q1, p1, p2);
  const d4 = sideOfLine(q2, p1, p2);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  if (d1 === 0 && within(p1, q1, q2)) return true;
  if (d2 === 0 && within(p2, q1, q2)) return true;
  if (d3 === 0 && within(q1, p1, p2)) return true;
  if (d4 === 0 && within(q2, p1, p2)) return true;
  return false;
}

function within(p: Point, a: Point, b: Point): boolean {
  return (
    p[0] >= Math.min(a[0], b[0]) &&
    p[0] <= Math.max(a[0], b[0]) &&
    p[1] >= Math.min(a[1], b[1]) &&
    p[1] <= Math.max(a[1], b[1])
  );
}

/** Euclidean distance between two points. */
export function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Area of an xyxy box (0 for degenerate or inverted boxes). */
export function boxArea(box: Box): number {
  return Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
}

/** An xyxy box grown by `margin` of its width and height on each side. */
export function growBox(b: ArrayLike<number>, margin: number): Box {
  const mx = (b[2]! - b[0]!) * margin;
  const my = (b[3]! - b[1]!) * margin;
  return [b[0]! - mx, b[1]! - my, b[2]! + mx, b[3]! + my];
}

/** Two xyxy boxes share some area (touching edges do not count). */
export function boxesOverlap(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a[0]! < b[2]! && b[0]! < a[2]! && a[1]! < b[3]! && b[1]! < a[3]!;
}

/** IoU of two xyxy boxes (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * IoU of every row of `a` against every row of `b` (flat xyxy arrays), row-major
 * `[na × nb]`: `out[i * nb + j] = IoU(a_i, b_j)`. Areas are computed once per box, the inner
 * loop touches only typed arrays.
 */
export function iouMatrix(a: Float32Array, b: Float32Array): Float32Array {
  const na = a.length >> 2;
  const nb = b.length >> 2;
  const out = new Float32Array(na * nb);
  if (na === 0 || nb === 0) return out;
  const areaB = new Float32Array(nb);
  for (let j = 0; j < nb; j++) {
    const o = j * 4;
    areaB[j] = Math.max(0, b[o + 2]! - b[o]!) * Math.max(0, b[o + 3]! - b[o + 1]!);
  }
  for (let i = 0; i < na; i++) {
    const o = i * 4;
    const ax1 = a[o]!;
    const ay1 = a[o + 1]!;
    const ax2 = a[o + 2]!;
    const ay2 = a[o + 3]!;
    const areaA = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1);
    const row = i * nb;
    for (let j = 0; j < nb; j++) {
      const p = j * 4;
      const iw = Math.min(ax2, b[p + 2]!) - Math.max(ax1, b[p]!);
      const ih = Math.min(ay2, b[p + 3]!) - Math.max(ay1, b[p + 1]!);
      if (iw <= 0 || ih <= 0) continue;
      const inter = iw * ih;
      const union = areaA + areaB[j]! - inter;
      out[row + j] = union > 0 ? inter / union : 0;
    }
  }
  return out;
}

/** Clamps `v` into `[lo, hi]`. */
export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

/**
 * Pixel boxes → normalised 0..1 boxes of a `widthPx × heightPx` frame, clamped to the frame
 * (detectors may return boxes that overhang the border).
 */
export function normaliseBoxes(xyxyPx: Float32Array, widthPx: number, heightPx: number): Float32Array {
  assertFrameSize(widthPx, heightPx);
  const out = new Float32Array(xyxyPx.length);
  for (let k = 0; k < xyxyPx.length; k += 2) {
    out[k] = clamp(xyxyPx[k]! / widthPx, 0, 1);
    out[k + 1] = clamp(xyxyPx[k + 1]! / heightPx, 0, 1);
  }
  return out;
}

/** Normalised 0..1 boxes → pixel boxes of a `widthPx × heightPx` frame (no rounding). */
export function denormaliseBoxes(xyxyNorm: Float32Array, widthPx: number, heightPx: number): Float32Array {
  assertFrameSize(widthPx, heightPx);
  const out = new Float32Array(xyxyNorm.length);
  for (let k = 0; k < xyxyNorm.length; k += 2) {
    out[k] = xyxyNorm[k]! * widthPx;
    out[k + 1] = xyxyNorm[k + 1]! * heightPx;
  }
  return out;
}

/**
 * One pixel box → an integer crop rectangle inside the frame, grown by `marginFrac` of its
 * size on each side (snapshots are cropped with margin). Returns `[x, y, w, h]` with
 * `w, h ≥ 1`.
 */
export function cropRectPx(
  boxPx: Box,
  widthPx: number,
  heightPx: number,
  marginFrac = 0,
): [number, number, number, number] {
  assertFrameSize(widthPx, heightPx);
  const mx = (boxPx[2] - boxPx[0]) * marginFrac;
  const my = (boxPx[3] - boxPx[1]) * marginFrac;
  const x1 = clamp(Math.floor(boxPx[0] - mx), 0, widthPx - 1);
  const y1 = clamp(Math.floor(boxPx[1] - my), 0, heightPx - 1);
  const x2 = clamp(Math.ceil(boxPx[2] + mx), x1 + 1, widthPx);
  const y2 = clamp(Math.ceil(boxPx[3] + my), y1 + 1, heightPx);
  return [x1, y1, x2 - x1, y2 - y1];
}

function assertFrameSize(widthPx: number, heightPx: number): void {
  if (!(widthPx > 0 && heightPx > 0))
    throw new RangeError(`frame size must be positive, got ${widthPx}x${heightPx}`);
}
