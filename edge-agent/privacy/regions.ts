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

/** Per-block channel means of a rectangle: a `gx × gy` grid of RGB. */
function blockMeans(
  img: RgbFrame,
  c: RectPx,
  block: number,
): { means: Float64Array; gx: number; gy: number } {
  const [x1, y1, x2, y2] = c;
  const gx = Math.ceil((x2 - x1) / block);
  const gy = Math.ceil((y2 - y1) / block);
  const means = new Float64Array(gx * gy * 3);
  for (let j = 0; j < gy; j++)
    for (let i = 0; i < gx; i++) {
      const bx = x1 + i * block;
      const by = y1 + j * block;
      const ex = Math.min(x2, bx + block);
      const ey = Math.min(y2, by + block);
      const s = [0, 0, 0];
      for (let y = by; y < ey; y++)
        for (let x = bx; x < ex; x++) {
          const o = (y * img.width + x) * 3;
          s[0]! += img.data[o]!;
          s[1]! += img.data[o + 1]!;
          s[2]! += img.data[o + 2]!;
        }
      const n = (ex - bx) * (ey - by);
      for (let k = 0; k < 3; k++) means[(j * gx + i) * 3 + k] = s[k]! / n;
    }
  return { means, gx, gy };
}

/**
 * Blurs each region in a copy of `img`: the region is reduced to a grid of at most
 * `blocksAcross` block means on its longer side and drawn back smoothly (bilinear between
 * block centres), so a face inside a region (the face plus its margin) keeps about four
 * samples across — too few for anyone or anything to recover an identity — and no block
 * edges add detail of their own (docs/privacy.md). Pixels outside every region are copied
 * unchanged. Pure.
 */
export function pixelate(img: RgbFrame, regions: readonly RectPx[], blocksAcross: number): RgbFrame {
  const data = new Uint8Array(img.data);
  const src: RgbFrame = { data, width: img.width, height: img.height };
  for (const r of regions) {
    const c = clampRect(r, img.width, img.height);
    if (!c) continue;
    const [x1, y1, x2, y2] = c;
    // Block size from the unclamped region, so a face at the edge is as coarse as any other.
    const block = Math.max(2, Math.ceil(Math.max(r[2]! - r[0]!, r[3]! - r[1]!) / blocksAcross));
    const { means, gx, gy } = blockMeans(src, c, block);
    for (let y = y1; y < y2; y++) {
      const fy = Math.min(gy - 1, Math.max(0, (y - y1 + 0.5) / block - 0.5));
      const j0 = Math.floor(fy);
      const j1 = Math.min(gy - 1, j0 + 1);
      const wy = fy - j0;
      for (let x = x1; x < x2; x++) {
        const fx = Math.min(gx - 1, Math.max(0, (x - x1 + 0.5) / block - 0.5));
        const i0 = Math.floor(fx);
        const i1 = Math.min(gx - 1, i0 + 1);
        const wx = fx - i0;
        const o = (y * img.width + x) * 3;
        for (let k = 0; k < 3; k++) {
          const top = means[(j0 * gx + i0) * 3 + k]! * (1 - wx) + means[(j0 * gx + i1) * 3 + k]! * wx;
          const bottom = means[(j1 * gx + i0) * 3 + k]! * (1 - wx) + means[(j1 * gx + i1) * 3 + k]! * wx;
          data[o + k] = Math.round(top * (1 - wy) + bottom * wy);
        }
      }
    }
  }
  return src;
}
