/**
 * Colour naming of image regions with one fixed palette (DESIGN §3: black, white, grey, red,
 * orange, yellow, green, blue, purple, pink, brown, unknown).
 *
 * Each sampled pixel gets a name from its HSV value (hue sectors for chromatic pixels,
 * brightness for achromatic ones, brown and pink as dark orange/red and light red); the
 * region's colour is the centre-weighted majority, so background at the box edges counts
 * less. A region is `unknown` when it is too dark to judge, when the frame is monochrome
 * (IR night mode or a greyscale camera: every colour would read as grey) or when no colour
 * wins a clear share.
 */
import type { Colour } from '../../contracts/hit.js';
import { NAMED_COLOURS, type NamedColour } from '../../contracts/vocabulary.js';
import type { Box } from '../geometry.js';

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

/** RGB bytes → `[hueDeg 0..360, saturation 0..1, value 0..1]`. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const v = max / 255;
  const d = max - min;
  const s = max === 0 ? 0 : d / max;
  if (d === 0) return [0, s, v];
  let h: number;
  if (max === r) h = ((g - b) / d) % 6;
  else if (max === g) h = (b - r) / d + 2;
  else h = (r - g) / d + 4;
  h *= 60;
  return [h < 0 ? h + 360 : h, s, v];
}

/**
 * Whether a pixel has no usable hue: dark pixels read as noise-saturated, so the cut-off on
 * saturation rises as brightness falls.
 */
export function isAchromatic(sat: number, val: number): boolean {
  if (val < 0.2) return true;
  return sat < (val < 0.4 ? 0.35 : val < 0.6 ? 0.25 : 0.18);
}

/**
 * The palette name of one pixel. Thresholds were set on real crops (london_bus.jpg,
 * bicycle_truck.jpg, expressway_dashcam_cn.jpg, shopping_street_people.png; see the
 * integration test).
 */
export function nameOfPixel(hueDeg: number, sat: number, val: number): PixelColour {
  if (val < 0.2) return 'black';
  if (isAchromatic(sat, val)) return val >= 0.75 ? 'white' : val < 0.3 ? 'black' : 'grey';
  // Red runs to 18°: red paint and fabric in shadow drift towards orange (measured on the
  // shopping bags, hue 2–19°); a dark red stays red (maroon), brown is dark orange.
  if (hueDeg < 18 || hueDeg >= 340) return sat < 0.5 && val > 0.7 ? 'pink' : 'red';
  if (hueDeg < 40) return val < 0.6 ? 'brown' : 'orange';
  if (hueDeg < 70) return val < 0.45 ? 'brown' : 'yellow';
  if (hueDeg < 170) return 'green';
  if (hueDeg < 260) return 'blue';
  if (hueDeg < 290) return 'purple';
  return val < 0.45 ? 'purple' : 'pink';
}

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
}

/** A named colour with its weighted share and the whole weighted histogram over {@link PIXEL_COLOURS}. */
export interface ColourResult {
  colour: Colour;
  /** Weighted share of the winning colour, 0..1 (0 when unknown for darkness or monochrome). */
  confidence: number;
  histogram: Float32Array;
}

const DEFAULTS = { minShare: 0.3, maxSamplesPerSide: 32, minBrightness: 0.1 };

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
  forEachSample(img, regionPx, o.maxSamplesPerSide, (r, g, b, weight) => {
    const [h, s, v] = rgbToHsv(r, g, b);
    histogram[INDEX[nameOfPixel(h, s, v)]]! += weight;
    brightness[Math.max(r, g, b)]!++;
    samples++;
    total += weight;
  });
  if (total === 0) return { colour: 'unknown', confidence: 0, histogram };
  for (let k = 0; k < histogram.length; k++) histogram[k] = histogram[k]! / total;
  if (o.monochrome || percentile255(brightness, samples, 0.9) < o.minBrightness) {
    return { colour: 'unknown', confidence: 0, histogram };
  }
  let best = 0;
  for (let k = 1; k < histogram.length; k++) if (histogram[k]! > histogram[best]!) best = k;
  const share = histogram[best]!;
  if (share < o.minShare) return { colour: 'unknown', confidence: share, histogram };
  return { colour: PIXEL_COLOURS[best]!, confidence: share, histogram };
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
