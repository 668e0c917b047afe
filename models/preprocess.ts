/**
 * Frame → model input tensor, as the manifest's `preprocess` says: stretch or letterbox
 * (sharp, bilinear), channel order, `(v - mean) / std`, NCHW or NHWC. Returns the
 * transform to map model-input boxes back to frame pixels.
 */
import sharp from 'sharp';
import type { RgbFrame } from './frame.js';
import type { ModelInput, Preprocess } from './manifest.js';

export interface InputTransform {
  scaleX: number;
  scaleY: number;
  padX: number;
  padY: number;
}

export interface PreparedInput {
  data: Float32Array;
  dims: number[];
  transform: InputTransform;
}

/** Resizes a frame to `w × h` (stretch), returning packed RGB. */
export async function resizeRgb(f: RgbFrame, w: number, h: number): Promise<Uint8Array> {
  if (f.width === w && f.height === h) return f.data;
  const buf = await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Packs RGB bytes into a normalised float tensor. */
export function normalise(
  rgb: Uint8Array,
  w: number,
  h: number,
  pre: Preprocess,
  layout: 'NCHW' | 'NHWC',
): Float32Array {
  const out = new Float32Array(w * h * 3);
  const plane = w * h;
  // Source channel for model channel k: RGB keeps order, BGR swaps 0 and 2.
  const src = pre.channels === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  const mul = pre.std.map((s) => 1 / s);
  for (let k = 0; k < 3; k++) {
    const sk = src[k]!;
    const m = pre.mean[k]!;
    const s = mul[k]!;
    if (layout === 'NCHW') {
      const base = k * plane;
      for (let i = 0; i < plane; i++) out[base + i] = (rgb[i * 3 + sk]! - m) * s;
    } else {
      for (let i = 0; i < plane; i++) out[i * 3 + k] = (rgb[i * 3 + sk]! - m) * s;
    }
  }
  return out;
}

/** Prepares a frame for a fixed-size model input. */
export async function prepareInput(f: RgbFrame, input: ModelInput, pre: Preprocess): Promise<PreparedInput> {
  const W = input.width;
  const H = input.height;
  let rgb: Uint8Array;
  let transform: InputTransform;
  if (pre.resize === 'stretch') {
    rgb = await resizeRgb(f, W, H);
    transform = { scaleX: W / f.width, scaleY: H / f.height, padX: 0, padY: 0 };
  } else {
    const r = Math.min(W / f.width, H / f.height);
    const nw = Math.max(1, Math.round(f.width * r));
    const nh = Math.max(1, Math.round(f.height * r));
    const padX = Math.floor((W - nw) / 2);
    const padY = Math.floor((H - nh) / 2);
    const inner = await resizeRgb(f, nw, nh);
    rgb = new Uint8Array(W * H * 3).fill(pre.padValue);
    for (let y = 0; y < nh; y++)
      rgb.set(inner.subarray(y * nw * 3, (y + 1) * nw * 3), ((y + padY) * W + padX) * 3);
    transform = { scaleX: nw / f.width, scaleY: nh / f.height, padX, padY };
  }
  const dims = input.layout === 'NCHW' ? [1, 3, H, W] : [1, H, W, 3];
  return { data: normalise(rgb, W, H, pre, input.layout), dims, transform };
}

/** Maps model-input xyxy boxes to frame pixels in place, clamped to the frame. */
export function unmapBoxes(xyxy: Float32Array, t: InputTransform, frameW: number, frameH: number): void {
  for (let i = 0; i < xyxy.length; i += 4) {
    xyxy[i] = Math.min(frameW, Math.max(0, (xyxy[i]! - t.padX) / t.scaleX));
    xyxy[i + 1] = Math.min(frameH, Math.max(0, (xyxy[i + 1]! - t.padY) / t.scaleY));
    xyxy[i + 2] = Math.min(frameW, Math.max(0, (xyxy[i + 2]! - t.padX) / t.scaleX));
    xyxy[i + 3] = Math.min(frameH, Math.max(0, (xyxy[i + 3]! - t.padY) / t.scaleY));
  }
}
