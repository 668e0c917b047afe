/**
 * Colour naming of image regions with one fixed palette (contracts/vocabulary.ts: black,
 * white, grey, red, orange, yellow, green, blue, purple, pink, brown, unknown).
 *
 * Each sampled pixel gets a name in CIELAB (./lab.ts; calibrated and measured as in
 * docs/accuracy.md); the region's colour is the centre-weighted majority, so background at
 * the box edges counts less, and pixels that look like the given background samples count
 * less still. A region is `unknown` when it is too dark to judge, when the frame is
 * monochrome (IR night mode or a greyscale camera: every colour would read as grey) or when
 * no colour wins a clear share. A close runner-up is reported as a second candidate. A region
 * whose pixels name black but average a blue tint is blue (navy, dark denim: ./lab.ts isBlueTint).
 */
import type { Colour } from '../../contracts/hit.js';
import { NAMED_COLOURS, type NamedColour } from '../../contracts/vocabulary.js';
import type { Box } from '../geometry.js';
import { isBlueTint, LAB_NAMING, type LabNaming, nameOfLab, rgbToLab } from './lab.js';

/** An RGB image, `heightPx × widthPx × 3` bytes, row-major (ffmpeg `rgb24`). */
export interface RgbImage {
  data: Uint8Array;
  widthPx: number;
  heightPx: number;
}

/** The named colours a pixel can take (everything but `unknown`), in a fixed order. */
export const PIXEL_COLOURS = NAMED_COLOURS;
export type PixelColour = NamedColour;

/** Index of each pixel colour in {@link PIXEL_COLOURS}. */
const INDEX: Readonly<Record<PixelColour, number>> = Object.fromEntries(
  PIXEL_COLOURS.map((c, i) => [c, i]),
) as Record<PixelColour, number>;

/** Options of {@link colourOfRegion}. */
export interface ColourOptions {
  /** The frame is monochrome (see {@link isMonochromeFrame}): colours cannot be told, answer `unknown`. */
  monochrome?: boolean;
  /** Smallest weighted share the winning colour needs; below it the answer is `unknown`. */
  minShare?: number;
  /** Samples per side at most (the region is subsampled on a grid). */
  maxSamplesPerSide?: number;
  /**
   * Below this 90th-percentile brightness (0..1) the region is too dark to judge. Black
   * fabric and paint in any usable light reflect more (≥ 0.13 on the real crops), a night
   * scene without IR less.
   */
  minBrightness?: number;
  /**
   * Lab colours (`[L, a, b, L, a, b, …]`) of the background around the object: sampled
   * pixels within `backgroundDeltaE` of one of them count `backgroundWeight` as much.
   */
  background?: Float32Array;
  backgroundDeltaE?: number;
  backgroundWeight?: number;
  /**
   * When background down-weighting leaves less than this share of the region's weight, the
   * "background" was the object's own colour (dark legs in a dark street) and every pixel counts.
   */
  minKeptShare?: number;
  /** Lab naming cut-offs (calibration; default ./lab.ts LAB_NAMING). */
  naming?: Readonly<LabNaming>;
  /** A runner-up holding at least this fraction of the winner's share is the second candidate. */
  secondRatio?: number;
}

/** A named colour with its weighted share and the whole weighted histogram over {@link PIXEL_COLOURS}. */
export interface ColourResult {
  colour: Colour;
  /** Weighted share of the winning colour, 0..1 (0 when unknown for darkness or monochrome). */
  confidence: number;
  histogram: Float32Array;
  /** A close runner-up (see ColourOptions.secondRatio), when there is one. */
  second?: Colour;
}

const DEFAULTS = {
  minShare: 0.3,
  maxSamplesPerSide: 32,
  minBrightness: 0.1,
  backgroundDeltaE: 8,
  backgroundWeight: 0.15,
  secondRatio: 0.6,
  minKeptShare: 0.5,
};

/**
 * The colour of a pixel region `[x1, y1, x2, y2]` (pixels, clamped to the image), weighted
 * towards its centre (a tent falling to 30 % at the edges).
 */
export function colourOfRegion(img: RgbImage, regionPx: Box, options: ColourOptions = {}): ColourResult {
  const o = { ...DEFAULTS, ...options };
  const histogram = new Float32Array(PIXEL_COLOURS.length);
  // Brightness (max channel) histogram for the 90th percentile: no per-pixel allocation or sort.
  const brightness = new Uint32Array(256);
  let samples = 0;
  let total = 0;
  const bg = o.background;
  const naming = o.naming ?? LAB_NAMING;
  const near2 = o.backgroundDeltaE * o.backgroundDeltaE;
  // Two histograms: every pixel at full weight, and background look-alikes down-weighted.
  const plain = new Float32Array(PIXEL_COLOURS.length);
  let plainTotal = 0;
  // Weighted mean a*, b* of the black pixels: the tint that tells navy and dark denim from black.
  let blackA = 0;
  let blackB = 0;
  let blackW = 0;
  forEachSample(img, regionPx, o.maxSamplesPerSide, (r, g, b, weight) => {
    const lab = rgbToLab(r, g, b);
    const k = INDEX[nameOfLab(lab[0], lab[1], lab[2], naming)];
    const w = bg && nearAny(lab, bg, near2) ? weight * o.backgroundWeight : weight;
    if (k === BLACK) {
      blackA += lab[1] * w;
      blackB += lab[2] * w;
      blackW += w;
    }
    histogram[k]! += w;
    plain[k]! += weight;
    brightness[Math.max(r, g, b)]!++;
    samples++;
    total += w;
    plainTotal += weight;
  });
  // When most of the region looks like the "background" the strips beside it were the
  // object's own colour (dark legs in a dark street): keep every pixel.
  if (total < o.minKeptShare * plainTotal) {
    histogram.set(plain);
    total = plainTotal;
  }
  if (total === 0) return { colour: 'unknown', confidence: 0, histogram };
  for (let k = 0; k < histogram.length; k++) histogram[k] = histogram[k]! / total;
  if (o.monochrome || percentile255(brightness, samples, 0.9) < o.minBrightness) {
    return { colour: 'unknown', confidence: 0, histogram };
  }
  const [best, next] = topTwo(histogram);
  const share = histogram[best]!;
  if (share < o.minShare) return { colour: 'unknown', confidence: share, histogram };
  if (best === BLACK && blackW > 0 && isBlueTint(blackA / blackW, blackB / blackW, naming.darkBlueChroma)) {
    // Navy or dark denim: blue, with black as the close alternative it is.
    return { colour: 'blue', confidence: share + histogram[INDEX.blue]!, histogram, second: 'black' };
  }
  const result: ColourResult = { colour: PIXEL_COLOURS[best]!, confidence: share, histogram };
  if (next >= 0 && histogram[next]! >= o.secondRatio * share) result.second = PIXEL_COLOURS[next]!;
  return result;
}

const BLACK = INDEX.black;

/** Indices of the largest and second-largest bins (second -1 when there is one bin). */
export function topTwo(histogram: Float32Array): [number, number] {
  let best = 0;
  let next = -1;
  for (let k = 1; k < histogram.length; k++) {
    if (histogram[k]! > histogram[best]!) {
      next = best;
      best = k;
    } else if (next < 0 || histogram[k]! > histogram[next]!) next = k;
  }
  return [best, next];
}

/** Whether Lab colour `lab` is within √near2 of one of the triples in `set`. */
function nearAny(lab: readonly number[], set: Float32Array, near2: number): boolean {
  for (let k = 0; k + 2 < set.length; k += 3) {
    const dl = lab[0]! - set[k]!;
    const da = lab[1]! - set[k + 1]!;
    const db = lab[2]! - set[k + 2]!;
    if (dl * dl + da * da + db * db < near2) return true;
  }
  return false;
}

/**
 * Lab samples of the given regions (pixels; e.g. strips beside an object: its background),
 * at most `maxPerRegion` triples each, on a grid.
 */
export function labSamples(img: RgbImage, regionsPx: readonly Box[], maxPerRegion = 36): Float32Array {
  const out: number[] = [];
  const side = Math.ceil(Math.sqrt(maxPerRegion));
  for (const r of regionsPx) forEachSample(img, r, side, (red, g, b) => out.push(...rgbToLab(red, g, b)));
  return Float32Array.from(out);
}

/**
 * Calls `fn(r, g, b, weight)` on a grid of at most `maxPerSide²` pixels inside the region,
 * with a centre-weighted tent weight. Shared with the appearance descriptor.
 */
export function forEachSample(
  img: RgbImage,
  regionPx: Box,
  maxPerSide: number,
  fn: (r: number, g: number, b: number, weight: number) => void,
): void {
  const x1 = Math.max(0, Math.floor(regionPx[0]));
  const y1 = Math.max(0, Math.floor(regionPx[1]));
  const x2 = Math.min(img.widthPx, Math.ceil(regionPx[2]));
  const y2 = Math.min(img.heightPx, Math.ceil(regionPx[3]));
  const w = x2 - x1;
  const h = y2 - y1;
  if (w <= 0 || h <= 0) return;
  const nx = Math.min(w, maxPerSide);
  const ny = Math.min(h, maxPerSide);
  for (let j = 0; j < ny; j++) {
    const fy = (j + 0.5) / ny;
    const y = y1 + Math.floor(fy * h);
    const wy = 1 - 0.7 * Math.abs(2 * fy - 1);
    for (let i = 0; i < nx; i++) {
      const fx = (i + 0.5) / nx;
      const x = x1 + Math.floor(fx * w);
      const p = (y * img.widthPx + x) * 3;
      fn(img.data[p]!, img.data[p + 1]!, img.data[p + 2]!, wy * (1 - 0.7 * Math.abs(2 * fx - 1)));
    }
  }
}

/** The q-quantile (0..1 of 255) of a 256-bin count histogram holding `n` samples. */
function percentile255(counts: Uint32Array, n: number, q: number): number {
  const rank = Math.min(n - 1, Math.floor(q * n));
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += counts[v]!;
    if (seen > rank) return v / 255;
  }
  return 1;
}

/**
 * Whether a frame carries no colour (IR night mode, greyscale cameras): the mean channel
 * spread of a sample grid is below `maxSpread` (0..255). Checked once per frame or per
 * camera mode change, not per crop.
 */
export function isMonochromeFrame(img: RgbImage, maxSpread = 4): boolean {
  let sum = 0;
  let n = 0;
  forEachSample(img, [0, 0, img.widthPx, img.heightPx], 32, (r, g, b) => {
    sum += Math.max(r, g, b) - Math.min(r, g, b);
    n++;
  });
  return n > 0 && sum / n < maxSpread;
}
