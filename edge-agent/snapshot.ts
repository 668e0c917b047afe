/**
 * Snapshots (docs/architecture.md#edge-agent): the best frame of a track, cropped around its box with a margin
 * (held as a copy until the track ends), scaled down to a bounded size and encoded as JPEG
 * by sharp (libvips, off the event loop).
 */
import sharp from 'sharp';
import type { RgbFrame } from '../models/frame.js';
import { type Box, cropRectPx } from './geometry.js';

export interface SnapshotOptions {
  /** JPEG quality 1..100. */
  quality: number;
  /** Longest side of the result, px. */
  maxSidePx: number;
}

/** Encodes a held crop whole as JPEG, scaled down to `maxSidePx` on its longest side. */
export async function encodeSnapshot(crop: HeldCrop, o: SnapshotOptions): Promise<Buffer> {
  const { data, width, height } = crop.frame;
  let img = sharp(data, { raw: { width, height, channels: 3 } });
  if (Math.max(width, height) > o.maxSidePx)
    img = img.resize({ width: o.maxSidePx, height: o.maxSidePx, fit: 'inside' });
  return img.jpeg({ quality: o.quality, mozjpeg: false }).toBuffer();
}

/** A crop of a frame kept for a later snapshot (a copy: frames are not retained whole). */
export interface HeldCrop {
  frame: RgbFrame;
  /** The box in 0..1 of the held crop. */
  boxNorm: [number, number, number, number];
  /**
   * Where the crop is in the frame, [x1, y1, x2, y2] in 0..1 (hits carry it as
   * `snapshotCrop`, so a viewer can place the hit's frame box on the snapshot).
   */
  cropNorm: [number, number, number, number];
  /**
   * Person boxes seen in the frame that overlap the crop, in the crop's 0..1 coordinates
   * (not clipped: a box cut by the crop edge keeps its true height): whose heads
   * the face blur covers even where the face detector finds no face (docs/privacy.md).
   */
  personsNorm?: Array<[number, number, number, number]>;
}

/**
 * Copies the margin-grown region around `boxNorm` out of a frame so the frame itself can be
 * released; the box is re-expressed in the crop's coordinates. Pure.
 */
export function holdCrop(
  frame: RgbFrame,
  boxNorm: Box,
  margin: number,
  personsNorm: readonly Box[] = [],
): HeldCrop {
  const { width: w, height: h } = frame;
  const [x, y, cw, ch] = cropRectPx(
    [boxNorm[0] * w, boxNorm[1] * h, boxNorm[2] * w, boxNorm[3] * h],
    w,
    h,
    margin,
  );
  const data = new Uint8Array(cw * ch * 3);
  for (let r = 0; r < ch; r++) {
    const so = ((y + r) * w + x) * 3;
    data.set(frame.data.subarray(so, so + cw * 3), r * cw * 3);
  }
  const nx = (v: number) => Math.min(1, Math.max(0, (v * w - x) / cw));
  const ny = (v: number) => Math.min(1, Math.max(0, (v * h - y) / ch));
  const ux = (v: number) => (v * w - x) / cw;
  const uy = (v: number) => (v * h - y) / ch;
  const persons = personsNorm
    .map((p): [number, number, number, number] => [ux(p[0]), uy(p[1]), ux(p[2]), uy(p[3])])
    .filter((p) => p[2] > 0 && p[0] < 1 && p[3] > 0 && p[1] < 1 && p[2] > p[0] && p[3] > p[1]);
  return {
    frame: { data, width: cw, height: ch },
    boxNorm: [nx(boxNorm[0]), ny(boxNorm[1]), nx(boxNorm[2]), ny(boxNorm[3])],
    cropNorm: [x / w, y / h, (x + cw) / w, (y + ch) / h],
    ...(persons.length > 0 ? { personsNorm: persons } : {}),
  };
}
