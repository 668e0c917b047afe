/**
 * The edge's adapter for the appearance descriptor (docs/architecture.md#edge-agent, #api `persons/similar`; §11:
 * colour only, no faces). The format — 2 regions × 16 colour bins = 32 bytes, the pixel → bin
 * function, quantisation, base64, similarity — is `contracts/appearance.ts`, the same the
 * store indexes and `POST /api/v1/persons/similar` searches. Here: the histogram of a tracked
 * box in a frame (a person's upper/lower-body regions of the contract; the top and bottom half
 * of other objects) and its average over a track's frames.
 */
import {
  type BoxFraction,
  boxHistogram,
  DESCRIPTOR_BYTES,
  DESCRIPTOR_REGIONS,
  quantiseAppearance,
} from '../../contracts/appearance.js';
import type { Box } from '../geometry.js';
import type { RgbImage } from './colour.js';

export {
  appearanceDistance,
  appearanceSimilarity,
  DESCRIPTOR_BYTES,
  decodeAppearance,
  encodeAppearance,
  quantiseAppearance,
} from '../../contracts/appearance.js';

/** Regions of a non-person box (a vehicle, a bag): top and bottom half, sides trimmed. */
const OBJECT_REGIONS: readonly [BoxFraction, BoxFraction] = [
  [0.1, 0.05, 0.9, 0.5],
  [0.1, 0.5, 0.9, 0.95],
];

/** Raw histograms (2 × 16 floats, each region summing to 1 or 0) of a box (pixels) in one frame. */
export function appearanceHistogram(img: RgbImage, boxPx: Box, isPerson: boolean): Float32Array {
  return boxHistogram(img, boxPx, isPerson ? DESCRIPTOR_REGIONS : OBJECT_REGIONS);
}

/** The descriptor of one box in one frame. */
export function appearanceDescriptor(img: RgbImage, boxPx: Box, isPerson: boolean): Uint8Array {
  return quantiseAppearance(appearanceHistogram(img, boxPx, isPerson));
}

/**
 * Averages raw histograms over a track's frames (weighted, e.g. by detection score), in a
 * fixed 32-float buffer: constant memory however long the track lives.
 */
export class AppearanceAccumulator {
  private readonly sum = new Float64Array(DESCRIPTOR_BYTES);
  private weight = 0;

  add(hist: Float32Array, weight = 1): void {
    if (hist.length !== DESCRIPTOR_BYTES || !(weight > 0)) return;
    for (let k = 0; k < DESCRIPTOR_BYTES; k++) this.sum[k] = this.sum[k]! + weight * hist[k]!;
    this.weight += weight;
  }

  /** The averaged descriptor, or undefined before any frame was added. */
  descriptor(): Uint8Array | undefined {
    if (this.weight === 0) return undefined;
    return quantiseAppearance(this.sum.map((s) => s / this.weight));
  }
}
