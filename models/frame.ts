/**
 * Image I/O for the models: a frame is packed RGB24 (`width * height * 3` bytes), the same
 * layout ffmpeg's `rawvideo rgb24` gives the edge agent (docs/architecture.md#edge-agent). sharp decodes files.
 */
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { XlError } from '../contracts/errors.js';

export interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Decodes an image file or buffer to RGB24. MODEL_IMAGE_MISSING / MODEL_IMAGE_UNREADABLE. */
export async function readImage(src: string | Uint8Array): Promise<RgbFrame> {
  if (typeof src === 'string' && !existsSync(src))
    throw new XlError('MODEL_IMAGE_MISSING', `image ${src} does not exist`, { path: src });
  try {
    const { data, info } = await sharp(src)
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (e) {
    const where = typeof src === 'string' ? src : `${src.length}-byte buffer`;
    throw new XlError(
      'MODEL_IMAGE_UNREADABLE',
      `cannot decode image ${where}: ${(e as Error).message}`,
      { path: where },
      { cause: e },
    );
  }
}

/** Crops a rectangle (pixels, clamped to the frame) into a new frame. */
export function cropFrame(f: RgbFrame, x1: number, y1: number, x2: number, y2: number): RgbFrame {
  const l = Math.max(0, Math.floor(x1));
  const t = Math.max(0, Math.floor(y1));
  const r = Math.min(f.width, Math.ceil(x2));
  const b = Math.min(f.height, Math.ceil(y2));
  const w = Math.max(1, r - l);
  const h = Math.max(1, b - t);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(f.height - 1, t + y);
    const so = (sy * f.width + Math.min(l, f.width - 1)) * 3;
    out.set(f.data.subarray(so, so + Math.min(w, f.width - l) * 3), y * w * 3);
  }
  return { data: out, width: w, height: h };
}
