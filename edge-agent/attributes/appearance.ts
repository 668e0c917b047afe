/**
 * A compact appearance descriptor for similarity search (DESIGN §4, §8 `persons/similar`):
 * two quantised HSV histograms — upper and lower body (top and bottom half for other
 * objects) — of 32 bins each, 64 bytes in all. Colour only, by design (§11: no faces).
 *
 * Bins per region: 8 brightness levels for achromatic pixels (the same grey cut-off as the
 * colour names) and 12 hue sectors × 2 saturation levels for chromatic ones. Each bin stores
 * `round(255 · √p)` of its centre-weighted share p, so the cosine of two descriptors is the
 * Bhattacharyya coefficient of the histograms (up to quantisation).
 */
import type { Box } from '../geometry.js';
import { forEachSample, isAchromatic, type RgbImage, rgbToHsv } from './colour.js';
import { type BoxFraction, PERSON_LOWER, PERSON_UPPER, subBox } from './crops.js';

/** Bins per region. */
export const REGION_BINS = 32;
/** Bytes in a descriptor (two regions). */
export const DESCRIPTOR_BYTES = 2 * REGION_BINS;

const OBJECT_TOP: BoxFraction = [0.1, 0.05, 0.9, 0.5];
const OBJECT_BOTTOM: BoxFraction = [0.1, 0.5, 0.9, 0.95];

/** The bin (0..31) of one HSV value. */
export function appearanceBin(hueDeg: number, sat: number, val: number): number {
  if (isAchromatic(sat, val)) return Math.min(7, Math.floor(val * 8));
  const hue = Math.floor(hueDeg / 30) % 12;
  return 8 + hue * 2 + (sat >= 0.6 ? 1 : 0);
}

/** The raw (unquantised) weighted histogram of one region, summing to 1 (or all zero when empty). */
export function regionHistogram(img: RgbImage, regionPx: Box): Float32Array {
  const hist = new Float32Array(REGION_BINS);
  let total = 0;
  forEachSample(img, regionPx, 32, (r, g, b, w) => {
    const [h, s, v] = rgbToHsv(r, g, b);
    hist[appearanceBin(h, s, v)]! += w;
    total += w;
  });
  if (total > 0) for (let k = 0; k < REGION_BINS; k++) hist[k] = hist[k]! / total;
  return hist;
}

/** Raw histograms of both regions of a box, concatenated (64 floats). */
export function appearanceHistogram(img: RgbImage, boxPx: Box, isPerson: boolean): Float32Array {
  const out = new Float32Array(DESCRIPTOR_BYTES);
  out.set(regionHistogram(img, subBox(boxPx, isPerson ? PERSON_UPPER : OBJECT_TOP)), 0);
  out.set(regionHistogram(img, subBox(boxPx, isPerson ? PERSON_LOWER : OBJECT_BOTTOM)), REGION_BINS);
  return out;
}

/** Quantises a 64-float histogram (each half summing to 1 or 0) to the 64-byte descriptor. */
export function quantiseAppearance(hist: Float32Array): Uint8Array {
  if (hist.length !== DESCRIPTOR_BYTES) throw new RangeError(`appearance histogram has ${hist.length} bins`);
  const out = new Uint8Array(DESCRIPTOR_BYTES);
  for (let k = 0; k < DESCRIPTOR_BYTES; k++) out[k] = Math.round(255 * Math.sqrt(Math.max(0, hist[k]!)));
  return out;
}

/** The descriptor of one box in one frame. */
export function appearanceDescriptor(img: RgbImage, boxPx: Box, isPerson: boolean): Uint8Array {
  return quantiseAppearance(appearanceHistogram(img, boxPx, isPerson));
}

/**
 * Similarity of two descriptors, 0..1: the mean over the regions present in both of the
 * cosine of their byte vectors (≈ Bhattacharyya coefficient). 0 when nothing is comparable.
 */
export function appearanceSimilarity(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== DESCRIPTOR_BYTES || b.length !== DESCRIPTOR_BYTES) return 0;
  let sum = 0;
  let regions = 0;
  for (let r = 0; r < 2; r++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let k = r * REGION_BINS; k < (r + 1) * REGION_BINS; k++) {
      dot += a[k]! * b[k]!;
      na += a[k]! * a[k]!;
      nb += b[k]! * b[k]!;
    }
    if (na === 0 || nb === 0) continue;
    sum += dot / Math.sqrt(na * nb);
    regions++;
  }
  return regions === 0 ? 0 : sum / regions;
}

/** Base64 of a descriptor (the hit's `appearance` field). */
export function encodeAppearance(d: Uint8Array): string {
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
}

/** A descriptor from its base64 text; undefined when it does not decode to {@link DESCRIPTOR_BYTES}. */
export function decodeAppearance(text: string): Uint8Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === DESCRIPTOR_BYTES ? new Uint8Array(bytes) : undefined;
}

/**
 * Averages raw histograms over a track's frames (weighted, e.g. by detection score), in a
 * fixed 64-float buffer: constant memory however long the track lives.
 */
export class AppearanceAccumulator {
  private readonly sum = new Float32Array(DESCRIPTOR_BYTES);
  private weight = 0;

  add(hist: Float32Array, weight = 1): void {
    if (hist.length !== DESCRIPTOR_BYTES || !(weight > 0)) return;
    for (let k = 0; k < DESCRIPTOR_BYTES; k++) this.sum[k] = this.sum[k]! + weight * hist[k]!;
    this.weight += weight;
  }

  /** The averaged descriptor, or undefined before any frame was added. */
  descriptor(): Uint8Array | undefined {
    if (this.weight === 0) return undefined;
    const mean = new Float32Array(DESCRIPTOR_BYTES);
    for (let k = 0; k < DESCRIPTOR_BYTES; k++) mean[k] = this.sum[k]! / this.weight;
    return quantiseAppearance(mean);
  }
}
