/**
 * What gets blurred in a snapshot (docs/privacy.md, "Face blur"), and the blur itself.
 * Regions are pixel rectangles `[x1, y1, x2, y2]` in the snapshot crop. Pure: no I/O.
 */
import type { RgbFrame } from '../../models/frame.js';

export type RectPx = [number, number, number, number];

/** A face box grown by `margin` (fraction of its size) on every side, more above (hair). */
export function faceRegion(face: readonly number[], margin: number): RectPx {
  const w = face[2]! - face[0]!;
  const h = face[3]! - face[1]!;
  return [face[0]! - w * margin, face[1]! - h * margin * 1.5, face[2]! + w * margin, face[3]! + h * margin];
}

/**
 * The head of a person box, estimated from its geometry alone: the top `headFrac` of the
 * box's height across its whole width, starting a little above the box (detectors clip
 * hair). It covers a head the face detector missed (small, turned away, looking down).
 */
export function headRegion(person: readonly number[], headFrac: number): RectPx {
  const h = person[3]! - person[1]!;
  return [person[0]!, person[1]! - 0.04 * h, person[2]!, person[1]! + headFrac * h];
}

/** Clamps a rectangle to the image and rounds outwards; undefined when empty. */
export function clampRect(r: readonly number[], w: number, h: number): RectPx | undefined {
  const x1 = Math.max(0, Math.floor(r[0]!));
  const y1 = Math.max(0, Math.floor(r[1]!));
  const x2 = Math.min(w, Math.ceil(r[2]!));
  const y2 = Math.min(h, Math.ceil(r[3]!));
  return x2 > x1 && y2 > y1 ? [x1, y1, x2, y2] : undefined;
}

/**
 * Square tiles covering a `w × h` image along its long side, overlapping by at least a
 * third: a tall person crop letterboxed whole would shrink a small face below what the
 * detector finds; a square tile upscaled to the model input keeps it large enough.
 */
export function squareTiles(w: number, h: number): RectPx[] {
  const side = Math.min(w, h);
  const long = Math.max(w, h);
  if (long <= side * 1.25) return [[0, 0, w, h]];
  const n = Math.ceil((long - side) / (side * (2 / 3))) + 1;
  const step = (long - side) / (n - 1);
  const out: RectPx[] = [];
  for (let i = 0; i < n; i++) {
    const o = Math.round(i * step);
    out.push(w >= h ? [o, 0, o + side, h] : [0, o, w, o + side]);
  }
  return out;
}

/**
 * Pixelates each region in a copy of `img`: the region becomes a grid of at most
 * `blocksAcross` blocks on its longer side, each the mean of its pixels, so a face inside
 * a region (which holds the face plus its margin) spans about four blocks — too few for
 * anyone or anything to recover an identity (docs/privacy.md).
 */
export function pixelate(img: RgbFrame, regions: readonly RectPx[], blocksAcross: number): RgbFrame {
  const data = new Uint8Array(img.data);
  for (const r of regions) {
    const c = clampRect(r, img.width, img.height);
    if (!c) continue;
    const [x1, y1, x2, y2] = c;
    // Block size from the unclamped region, so a face at the edge is as coarse as any other.
    const block = Math.max(2, Math.ceil(Math.max(r[2]! - r[0]!, r[3]! - r[1]!) / blocksAcross));
    for (let by = y1; by < y2; by += block) {
      for (let bx = x1; bx < x2; bx += block) {
        const ex = Math.min(x2, bx + block);
        const ey = Math.min(y2, by + block);
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        for (let y = by; y < ey; y++)
          for (let x = bx; x < ex; x++) {
            const o = (y * img.width + x) * 3;
            s0 += data[o]!;
            s1 += data[o + 1]!;
            s2 += data[o + 2]!;
          }
        const n = (ex - bx) * (ey - by);
        const m0 = Math.round(s0 / n);
        const m1 = Math.round(s1 / n);
        const m2 = Math.round(s2 / n);
        for (let y = by; y < ey; y++)
          for (let x = bx; x < ex; x++) {
            const o = (y * img.width + x) * 3;
            data[o] = m0;
            data[o + 1] = m1;
            data[o + 2] = m2;
          }
      }
    }
  }
  return { data, width: img.width, height: img.height };
}
