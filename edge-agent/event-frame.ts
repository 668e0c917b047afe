/**
 * The evidence frame of an event (docs/edge.md, "Snapshots"): the whole frame, downscaled, with
 * the event's box and its zone (or line) drawn, so a grid member sees which van or which crowd
 * raised the alert and where the zone is. Published like a snapshot; the hit names it as
 * `frame`. The crop snapshot stays unannotated. sharp (libvips) composites an SVG overlay.
 */
import sharp from 'sharp';
import type { RgbFrame } from '../models/frame.js';

export interface FrameOverlay {
  /** The event's box, [x1, y1, x2, y2] in 0..1. */
  boxNorm: readonly [number, number, number, number];
  /** The zone's polygon (0..1), or a line's two ends; empty: none. */
  zone: ReadonlyArray<readonly [number, number]>;
  /** true: `zone` is a line (drawn open), else a polygon (closed, lightly filled). */
  isLine: boolean;
}

export interface EventFrameOptions {
  quality: number;
  /** Longest side of the result, px. */
  maxSidePx: number;
}

/** SVG of the overlay at `w`×`h` px. Pure. */
export function overlaySvg(o: FrameOverlay, w: number, h: number): string {
  const px = (p: readonly [number, number]) => `${(p[0] * w).toFixed(1)},${(p[1] * h).toFixed(1)}`;
  const stroke = Math.max(2, Math.round(Math.max(w, h) / 200));
  const [x1, y1, x2, y2] = o.boxNorm;
  const zone =
    o.zone.length < 2
      ? ''
      : o.isLine
        ? `<polyline points="${o.zone.map(px).join(' ')}" fill="none" stroke="#ffd400" stroke-width="${stroke}" stroke-dasharray="${stroke * 3},${stroke * 2}"/>`
        : `<polygon points="${o.zone.map(px).join(' ')}" fill="#ffd400" fill-opacity="0.15" stroke="#ffd400" stroke-width="${stroke}"/>`;
  const box = `<rect x="${(x1 * w).toFixed(1)}" y="${(y1 * h).toFixed(1)}" width="${((x2 - x1) * w).toFixed(1)}" height="${((y2 - y1) * h).toFixed(1)}" fill="none" stroke="#ff2020" stroke-width="${stroke}"/>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${zone}${box}</svg>`;
}

/** The frame scaled to `maxSidePx` on its longest side, the overlay drawn, as JPEG. */
export async function encodeEventFrame(
  frame: RgbFrame,
  overlay: FrameOverlay,
  o: EventFrameOptions,
): Promise<Buffer> {
  const { data, width, height } = frame;
  const scale = Math.min(1, o.maxSidePx / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  let img = sharp(data, { raw: { width, height, channels: 3 } });
  if (scale < 1) img = img.resize({ width: w, height: h, fit: 'fill' });
  // Resize first (raw → raw), then draw at the output size: lines keep their width.
  const scaled = await img.raw().toBuffer();
  return sharp(scaled, { raw: { width: w, height: h, channels: 3 } })
    .composite([{ input: Buffer.from(overlaySvg(overlay, w, h)), top: 0, left: 0 }])
    .jpeg({ quality: o.quality, mozjpeg: false })
    .toBuffer();
}
