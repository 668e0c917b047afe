/**
 * The appearance descriptor (docs/architecture.md#contracts, #edge-agent, #privacy): a colour histogram of a person — clothing
 * colours only, no face or body biometrics. Defined once here; the edge agent computes it on
 * each track's box in the frame (edge-agent/attributes/appearance.ts) and puts it in the hit's
 * `appearance`, the store indexes it (analytics/migrations/005_appearances.sql) and
 * `POST /api/v1/persons/similar` computes it on an uploaded crop (analytics/appearance.ts).
 * Pure: RGB pixels in, bytes out.
 *
 * Layout (32 bytes, base64 in the hit's `appearance`, 44 characters): two regions of the box,
 * the upper body (rows 15–50 % of the box) and the lower body (rows 50–95 %), central 60 % of
 * the columns; 16 bins per region: 12 hue sectors of 30° centred on red (0°), orange (30°),
 * yellow (60°), …, for pixels with saturation ≥ 0.2 and value ≥ 0.2, then black
 * (value < 0.2), dark grey, light grey and white for the unsaturated ones. Each region's bins
 * sum to 255 (rounded; all 0 when the region holds no pixel). Compared with L2 distance
 * (ClickHouse `L2Distance` over the bytes): 0 identical, 510 for two regions fully apart.
 */

/** Bins per region. */
export const DESCRIPTOR_BINS = 16;
/** Bytes in a descriptor (two regions). */
export const DESCRIPTOR_BYTES = 2 * DESCRIPTOR_BINS;
/** L2 distance of two descriptors whose regions share no bin (each region √2·255 apart). */
export const MAX_DISTANCE = 2 * 255;

/** The achromatic bins (after the 12 hue sectors). */
export const BIN_BLACK = 12;
export const BIN_DARK_GREY = 13;
export const BIN_LIGHT_GREY = 14;
export const BIN_WHITE = 15;

/** A sub-box as fractions of a box: `[x1, y1, x2, y2]` in 0..1 of its width and height. */
export type BoxFraction = readonly [number, number, number, number];

/** The two regions of a person box the descriptor describes: upper body, lower body. */
export const DESCRIPTOR_REGIONS: readonly [BoxFraction, BoxFraction] = [
  [0.2, 0.15, 0.8, 0.5],
  [0.2, 0.5, 0.8, 0.95],
];

/**
 * Samples per side of a region at most (a larger region is read on an even grid). 48 reads
 * every pixel of an uploaded crop (resized to 48 × 96) and bounds the edge's cost per box.
 */
export const MAX_SAMPLES_PER_SIDE = 48;

/** RGB pixels, `heightPx × widthPx × 3` bytes, row-major (ffmpeg `rgb24`, sharp `raw()`). */
export interface RgbPixels {
  data: Uint8Array;
  widthPx: number;
  heightPx: number;
}

/** The bin of one pixel (r, g, b in 0..255). */
export function pixelBin(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  if (v < 0.2) return BIN_BLACK;
  const s = max === 0 ? 0 : (max - min) / max;
  if (s < 0.2) return v < 0.45 ? BIN_DARK_GREY : v < 0.75 ? BIN_LIGHT_GREY : BIN_WHITE;
  const d = max - min;
  let h: number;
  if (max === r) h = 60 * (((g - b) / d + 6) % 6);
  else if (max === g) h = 60 * ((b - r) / d + 2);
  else h = 60 * ((r - g) / d + 4);
  return Math.floor(((h + 15) % 360) / 30);
}

/**
 * Adds the normalised histogram (summing to 1, or nothing when the region is empty) of the
 * pixel region `[x1, y1, x2, y2]` (clamped to the image; at least one pixel wide and high when
 * it overlaps the image) into `out[offset .. offset + DESCRIPTOR_BINS)`.
 */
export function addRegionHistogram(
  img: RgbPixels,
  regionPx: readonly [number, number, number, number],
  out: Float32Array,
  offset: number,
  maxPerSide = MAX_SAMPLES_PER_SIDE,
): void {
  const x1 = Math.max(0, Math.floor(regionPx[0]));
  const y1 = Math.max(0, Math.floor(regionPx[1]));
  const x2 = Math.min(img.widthPx, Math.max(x1 + 1, Math.ceil(regionPx[2])));
  const y2 = Math.min(img.heightPx, Math.max(y1 + 1, Math.ceil(regionPx[3])));
  const w = x2 - x1;
  const h = y2 - y1;
  if (w <= 0 || h <= 0 || img.data.length < img.widthPx * img.heightPx * 3) return;
  const nx = Math.min(w, maxPerSide);
  const ny = Math.min(h, maxPerSide);
  const counts = new Uint32Array(DESCRIPTOR_BINS);
  for (let j = 0; j < ny; j++) {
    const y = y1 + Math.floor(((j + 0.5) * h) / ny);
    for (let i = 0; i < nx; i++) {
      const p = (y * img.widthPx + x1 + Math.floor(((i + 0.5) * w) / nx)) * 3;
      counts[pixelBin(img.data[p]!, img.data[p + 1]!, img.data[p + 2]!)]!++;
    }
  }
  const n = nx * ny;
  for (let b = 0; b < DESCRIPTOR_BINS; b++) out[offset + b] = out[offset + b]! + counts[b]! / n;
}

/**
 * The raw histogram (2 × 16 floats, each region summing to 1 or all 0) of a box in an image,
 * by the regions `regions` of the box (default: the person regions of the descriptor).
 */
export function boxHistogram(
  img: RgbPixels,
  boxPx: readonly [number, number, number, number],
  regions: readonly [BoxFraction, BoxFraction] = DESCRIPTOR_REGIONS,
): Float32Array {
  const out = new Float32Array(DESCRIPTOR_BYTES);
  const bw = boxPx[2] - boxPx[0];
  const bh = boxPx[3] - boxPx[1];
  regions.forEach((f, k) => {
    const sub = [
      boxPx[0] + f[0] * bw,
      boxPx[1] + f[1] * bh,
      boxPx[0] + f[2] * bw,
      boxPx[1] + f[3] * bh,
    ] as const;
    addRegionHistogram(img, sub, out, k * DESCRIPTOR_BINS);
  });
  return out;
}

/** Quantises a raw histogram (2 × 16 floats, each region summing to 1 or 0) to the 32-byte descriptor. */
export function quantiseAppearance(hist: ArrayLike<number>): Uint8Array {
  if (hist.length !== DESCRIPTOR_BYTES)
    throw new RangeError(`appearance histogram has ${hist.length} bins, not ${DESCRIPTOR_BYTES}`);
  const out = new Uint8Array(DESCRIPTOR_BYTES);
  for (let k = 0; k < DESCRIPTOR_BYTES; k++) out[k] = Math.round(255 * Math.min(1, Math.max(0, hist[k]!)));
  return out;
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

/** L2 distance of two descriptors (what the store ranks by); Infinity when either is not a descriptor. */
export function appearanceDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== DESCRIPTOR_BYTES || b.length !== DESCRIPTOR_BYTES) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let k = 0; k < DESCRIPTOR_BYTES; k++) sum += (a[k]! - b[k]!) ** 2;
  return Math.sqrt(sum);
}

/**
 * Similarity of two descriptors, 0..1: `1 − distance / MAX_DISTANCE` (so it ranks exactly as
 * the store's L2 search does); 0 when either is not a descriptor.
 */
export function appearanceSimilarity(a: Uint8Array, b: Uint8Array): number {
  const d = appearanceDistance(a, b);
  return Number.isFinite(d) ? Math.max(0, 1 - d / MAX_DISTANCE) : 0;
}
