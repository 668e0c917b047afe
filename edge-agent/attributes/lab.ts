/**
 * Colour naming in CIELAB (docs/accuracy.md): sRGB bytes → L* a* b* (D65), then a palette
 * name from lightness, chroma and hue angle. Lab spaces colours by how different they look,
 * so one chroma threshold separates "has a colour" from "grey" at every lightness — the HSV
 * saturation used before made dark noise look saturated and faded denim look grey.
 *
 * Thresholds were calibrated on the labelled crops in bench/eval/labels/ (CCTV footage with
 * its gamma and colour casts); `npm run eval` measures them.
 */
import type { NamedColour } from '../../contracts/vocabulary.js';

/** sRGB byte → linear light, as a lookup table. */
const LINEAR = Float32Array.from({ length: 256 }, (_, i) => {
  const c = i / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
});

const EPS = 216 / 24389;
const KAPPA = 24389 / 27;
const f = (t: number): number => (t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116);

/** sRGB bytes → `[L* 0..100, a*, b*]` (D65 white). */
export function rgbToLab(r: number, g: number, b: number): [number, number, number] {
  const lr = LINEAR[r]!;
  const lg = LINEAR[g]!;
  const lb = LINEAR[b]!;
  const x = (0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047;
  const y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
  const z = (0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883;
  const fy = f(y);
  return [116 * fy - 16, 500 * (f(x) - fy), 200 * (fy - f(z))];
}

/** Cut-offs of {@link nameOfLab}. */
export interface LabNaming {
  blackL: number;
  greyL: number;
  whiteL: number;
  minChroma: number;
  darkExtraChroma: number;
  /** Chroma added per L* unit above 50: light casts (green-yellow daylight on white paint) are not colours. */
  lightChromaSlope: number;
  /** Blue hues (denim, navy) count from this fraction of the chroma other hues need. */
  blueChromaFactor: number;
  /**
   * A region whose winner is black is blue (navy, dark denim) when the mean a*, b* of its
   * black pixels has at least this chroma at a blue hue (see {@link isBlueTint}). Pixel by
   * pixel dark denim is too noisy to name; averaged, its tint is clear (chroma 9–25 on the
   * labelled dark jeans, 3–8 on black cloth, whose cast is red-purple).
   */
  darkBlueChroma: number;
  /** A light colourless vehicle body is white when its 90th-percentile L* reaches this, else grey (silver). */
  whiteBodyL: number;
  /**
   * A vehicle body read grey or black is red (maroon, dark red paint) when the mean a*, b* of its
   * pixels has at least this chroma at a red hue (see {@link isRedTint}): pixel by pixel a dark
   * red car on low-resolution footage is too dull to name, averaged its tint is clear (chroma
   * 5.8 at 6° on the labelled maroon car; the grey and black cars' tints lie at 150°–280°).
   */
  darkRedChroma: number;
}

/** Calibrated cut-offs of {@link nameOfLab}. */
export const LAB_NAMING: Readonly<LabNaming> = {
  /** Below this lightness every pixel is black (too dark for a hue to be trusted). */
  blackL: 8,
  /** Achromatic pixels darker than this are black, lighter than `whiteL` white, else grey. */
  greyL: 40,
  whiteL: 60,
  /** Chroma (√(a²+b²)) from which a pixel has a colour. */
  minChroma: 12,
  /** Dark pixels need more chroma (compression noise and casts): this much more at L* = blackL, falling to 0 at greyL. */
  darkExtraChroma: 2,
  lightChromaSlope: 0,
  blueChromaFactor: 0.7,
  darkBlueChroma: 7,
  whiteBodyL: 91,
  darkRedChroma: 5,
};

/** The palette name of a pixel given in Lab. */
export function nameOfLab(l: number, a: number, b: number, n: Readonly<LabNaming> = LAB_NAMING): NamedColour {
  if (l < n.blackL) return 'black';
  const c = Math.hypot(a, b);
  let h = (Math.atan2(b, a) * 180) / Math.PI;
  if (h < 0) h += 360;
  const extra = l < n.greyL ? (n.darkExtraChroma * (n.greyL - l)) / (n.greyL - n.blackL) : 0;
  const need =
    (n.minChroma + extra + Math.max(0, l - 50) * n.lightChromaSlope) *
    (h >= 200 && h < 310 ? n.blueChromaFactor : 1);
  if (c < need) return l < n.greyL ? 'black' : l > n.whiteL ? 'white' : 'grey';
  // Hue angles of the sRGB primaries in Lab: red 40°, yellow 103°, green 136°, blue 306°.
  if (h < 50 || h >= 345) return l > 65 && c < 50 ? 'pink' : l < 30 && h > 40 ? 'brown' : 'red';
  if (h < 75) return l < 55 ? 'brown' : 'orange';
  if (h < 105) return l < 55 ? 'brown' : 'yellow';
  if (h < 200) return 'green';
  if (h < 310) return 'blue';
  return l > 55 ? 'pink' : 'purple';
}

/** Whether a mean `a*`, `b*` is a blue tint of at least `minChroma` (hue angle 200°–310°, as nameOfLab's blue). */
export function isBlueTint(a: number, b: number, minChroma: number): boolean {
  let h = (Math.atan2(b, a) * 180) / Math.PI;
  if (h < 0) h += 360;
  return Math.hypot(a, b) >= minChroma && h >= 200 && h < 310;
}

/** Whether a mean `a*`, `b*` is a red tint of at least `minChroma` (hue angle 345°–50°, as nameOfLab's red). */
export function isRedTint(a: number, b: number, minChroma: number): boolean {
  let h = (Math.atan2(b, a) * 180) / Math.PI;
  if (h < 0) h += 360;
  return Math.hypot(a, b) >= minChroma && (h >= 345 || h < 50);
}

/** The palette name of an sRGB pixel. */
export function nameOfRgb(r: number, g: number, b: number): NamedColour {
  return nameOfLab(...rgbToLab(r, g, b));
}
