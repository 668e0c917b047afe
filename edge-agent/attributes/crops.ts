/**
 * Which part of a detection box to look at for each attribute, and the colour attributes of
 * persons (upper and lower clothing) and vehicles (body), from one frame.
 *
 * Person regions follow the usual pedestrian-attribute crops: the head is roughly the top
 * 1/7 of a standing person's box, the torso to about half the height, the legs below; the
 * sides are trimmed because boxes include background beside the arms and legs.
 */
import type { Colour } from '../../contracts/hit.js';
import type { Box } from '../geometry.js';
import {
  type ColourOptions,
  type ColourResult,
  colourOfRegion,
  forEachSample,
  labSamples,
  PIXEL_COLOURS,
  type RgbImage,
} from './colour.js';
import { BODY_REGION_DEFAULTS, type BodyRegionOptions, legsRegion, torsoRegion } from './body-regions.js';
import { isRedTint, LAB_NAMING, type LabNaming, nameOfLab, rgbToLab } from './lab.js';
import type { BodyKeypoints } from './pose.js';

/** A sub-box as fractions of the box: `[x1, y1, x2, y2]` in 0..1 of its width and height. */
export type BoxFraction = readonly [number, number, number, number];

/** Upper body: below the head, shoulders to waist, trimmed at the sides. */
export const PERSON_UPPER: BoxFraction = [0.2, 0.15, 0.8, 0.5];
/** Lower body: waist to above the feet (shoes and ground shadow excluded). */
export const PERSON_LOWER: BoxFraction = [0.25, 0.5, 0.75, 0.88];
/**
 * Legs below the knee to above the ankles: where the trousers show under a coat that covers
 * the hips (the lower region then reads the coat's colour).
 */
export const PERSON_LEGS: BoxFraction = [0.25, 0.68, 0.75, 0.88];
/** Vehicle body: trims roof and windscreen at the top, wheels and road at the bottom. */
export const VEHICLE_BODY: BoxFraction = [0.12, 0.3, 0.88, 0.85];

/** The sub-box `frac` of `box` (both in the same space, e.g. pixels). */
export function subBox(box: Box, frac: BoxFraction): [number, number, number, number] {
  const w = box[2] - box[0];
  const h = box[3] - box[1];
  return [box[0] + frac[0] * w, box[1] + frac[1] * h, box[0] + frac[2] * w, box[1] + frac[3] * h];
}

/** Upper and lower clothing colours of a person box (pixels) in one frame. */
export interface PersonColours {
  upper: ColourResult;
  lower: ColourResult;
}

/** Width of the background strips beside a person box, as a fraction of the box width. */
const BESIDE = 0.15;

/**
 * The background around rows `y1..y2` of a box: strips just outside its left and right edges
 * (inside the image), where a detector's box rarely has any of the person.
 */
export function besideStrips(img: RgbImage, boxPx: Box, y1: number, y2: number): Box[] {
  const w = (boxPx[2] - boxPx[0]) * BESIDE;
  const strips: Box[] = [];
  if (boxPx[0] - w >= 0) strips.push([boxPx[0] - w, y1, boxPx[0], y2]);
  if (boxPx[2] + w <= img.widthPx) strips.push([boxPx[2], y1, boxPx[2] + w, y2]);
  return strips;
}

/**
 * Clothing colours of a person in `boxPx`: the torso and leg regions, with pixels that look
 * like the background beside them counting less (grass, pavement, a wooden floor show through
 * between the arms and the legs). A region darker than `minBrightness` is black, not unknown,
 * when the background beside it is well lit (black cloth in daylight clips to 0).
 */
export function personColours(
  img: RgbImage,
  boxPx: Box,
  options: ColourOptions = {},
  keypoints?: BodyKeypoints,
  regionOptions: BodyRegionOptions = BODY_REGION_DEFAULTS,
): PersonColours {
  const upperRegion =
    (keypoints && torsoRegion(keypoints, boxPx, regionOptions)) ?? subBox(boxPx, PERSON_UPPER);
  const lowerRegion =
    (keypoints && legsRegion(keypoints, boxPx, regionOptions)) ?? subBox(boxPx, PERSON_LOWER);
  const upper = bodyRegionColour(img, boxPx, upperRegion, options);
  let lower = bodyRegionColour(img, boxPx, lowerRegion, options);
  if (lower.colour === upper.colour && lower.colour !== 'unknown') {
    // A coat or dress over the hips: the lower region is the upper garment again; the
    // trousers, if any, show on the legs.
    const legs = legsColour(img, boxPx, options);
    if (legs && legs.colour !== upper.colour) lower = { ...legs, second: lower.colour };
  }
  return { upper, lower };
}

/**
 * The colour of the legs band ({@link PERSON_LEGS}), which is mostly background between and
 * beside the legs: pixels like the background beside the box count 0.05, and colours that
 * name at least a quarter of that background (lawn green, pavement grey; shaded grass between
 * the legs is darker than the lit lawn beside, so ΔE alone misses it) are not candidates.
 * Undefined when no other colour holds {@link LEGS_MIN_SHARE} of the band.
 */
function legsColour(img: RgbImage, boxPx: Box, options: ColourOptions): ColourResult | undefined {
  const region = subBox(boxPx, PERSON_LEGS);
  const background = labSamples(img, besideStrips(img, boxPx, region[1], region[3]));
  const naming = options.naming ?? LAB_NAMING;
  const bgCount = new Map<Colour, number>();
  const nBg = background.length / 3;
  for (let k = 0; k < background.length; k += 3) {
    const c = nameOfLab(background[k]!, background[k + 1]!, background[k + 2]!, naming);
    bgCount.set(c, (bgCount.get(c) ?? 0) + 1);
  }
  const candidate = (c: Colour): boolean =>
    !ACHROMATIC.has(c) && (bgCount.get(c) ?? 0) < LEGS_BACKGROUND_NAME_SHARE * nBg;
  const r = colourOfRegion(img, region, {
    background,
    backgroundWeight: 0.05,
    minKeptShare: 0,
    minBrightness: 0,
    ...options,
  });
  if (candidate(r.colour)) return r;
  let best = -1;
  PIXEL_COLOURS.forEach((c, k) => {
    if (candidate(c) && (best < 0 || r.histogram[k]! > r.histogram[best]!)) best = k;
  });
  if (best < 0 || r.histogram[best]! < LEGS_MIN_SHARE) return undefined;
  return { colour: PIXEL_COLOURS[best]!, confidence: r.histogram[best]!, histogram: r.histogram };
}

/** A colour naming this share of the background beside the legs is taken for background there. */
const LEGS_BACKGROUND_NAME_SHARE = 0.25;
/** Smallest share of the legs band a non-background colour needs to name the trousers. */
const LEGS_MIN_SHARE = 0.15;

function bodyRegionColour(img: RgbImage, boxPx: Box, region: Box, options: ColourOptions): ColourResult {
  const background = labSamples(img, besideStrips(img, boxPx, region[1], region[3]));
  let lit = false;
  for (let k = 0; k < background.length; k += 3) if (background[k]! > LIT_BACKGROUND_L) lit = true;
  return colourOfRegion(img, region, {
    background,
    ...(lit && !options.monochrome ? { minBrightness: 0 } : {}),
    ...options,
  });
}

/** Background lighter than this (L*) means the scene is lit: a very dark region is black cloth. */
const LIT_BACKGROUND_L = 45;

const ACHROMATIC: ReadonlySet<Colour> = new Set(['black', 'white', 'grey']);

/**
 * Body colour of a vehicle in `boxPx`. Windows, tyres and shadows add black and grey to
 * every vehicle, so a chromatic colour wins when it holds at least `chromaticMinShare` of
 * the region and at least `chromaticMinRatio` of the share of the top achromatic colour (the
 * red bus: red 0.38 against black 0.33 over its whole box). Pink on a body whose mean tint is
 * itself a clear red is lit red paint (see {@link litRedPaint}).
 */
export function vehicleColour(img: RgbImage, boxPx: Box, options: VehicleColourOptions = {}): ColourResult {
  const body = subBox(boxPx, VEHICLE_BODY);
  const r = colourOfRegion(img, body, options);
  if (r.confidence === 0 && r.colour === 'unknown') return r;
  const minShare = options.chromaticMinShare ?? 0.25;
  let bestChromatic = -1;
  let bestAchromatic = 0;
  PIXEL_COLOURS.forEach((c, k) => {
    const share = r.histogram[k]!;
    if (ACHROMATIC.has(c)) bestAchromatic = Math.max(bestAchromatic, share);
    else if (bestChromatic < 0 || share > r.histogram[bestChromatic]!) bestChromatic = k;
  });
  const share = bestChromatic >= 0 ? r.histogram[bestChromatic]! : 0;
  const naming = options.naming ?? LAB_NAMING;
  if (share >= minShare && share >= bestAchromatic * (options.chromaticMinRatio ?? 0.5)) {
    const answer = { colour: PIXEL_COLOURS[bestChromatic]!, confidence: share, histogram: r.histogram };
    return answer.colour === 'pink' ? litRedPaint(img, body, answer, naming) : answer;
  }
  if (r.colour === 'pink') return litRedPaint(img, body, r, naming);
  if (!ACHROMATIC.has(r.colour)) return r;
  const stats = vehicleBodyStats(img, body);
  if (r.colour !== 'white' && isRedTint(stats.meanA, stats.meanB, naming.darkRedChroma)) {
    // Maroon and dark red paint: each pixel too dull to name, the body's mean tint red.
    const { second: _, ...rest } = r;
    return { ...rest, colour: 'red', second: r.colour };
  }
  if (r.colour === 'white' || r.colour === 'grey') return whiteOrSilver(stats.l90, r, naming);
  return r;
}

/** Options of {@link vehicleColour}. */
export type VehicleColourOptions = ColourOptions & {
  chromaticMinShare?: number;
  /** A chromatic winner needs at least this fraction of the top achromatic share (default 0.5). */
  chromaticMinRatio?: number;
};

/**
 * Pink on a vehicle is mostly red paint in the light: glossy red paint lit from above names
 * pink pixel by pixel (light and less saturated), its highlights white. When the body's mean
 * a*, b* is a red tint with at least the chroma a single pixel needs to be named a colour
 * (`minChroma`), the answer is red with pink the second candidate; a pink body whose mean tint
 * is weaker or of another hue stays pink.
 */
function litRedPaint(img: RgbImage, body: Box, r: ColourResult, naming: Readonly<LabNaming>): ColourResult {
  const stats = vehicleBodyStats(img, body);
  if (!isRedTint(stats.meanA, stats.meanB, naming.minChroma)) return r;
  return { ...r, colour: 'red', second: 'pink' };
}

/** The 90th-percentile L* and the mean a*, b* of a vehicle body (a grid of at most 32 × 32 pixels). */
export function vehicleBodyStats(img: RgbImage, body: Box): { l90: number; meanA: number; meanB: number } {
  const counts = new Uint32Array(101);
  let n = 0;
  let sumA = 0;
  let sumB = 0;
  forEachSample(img, body, 32, (red, g, b) => {
    const lab = rgbToLab(red, g, b);
    counts[Math.max(0, Math.min(100, Math.round(lab[0])))]!++;
    sumA += lab[1];
    sumB += lab[2];
    n++;
  });
  let seen = 0;
  let l90 = 100;
  for (let l = 0; l <= 100; l++) {
    seen += counts[l]!;
    if (seen > 0.9 * n) {
      l90 = l;
      break;
    }
  }
  return { l90, meanA: n ? sumA / n : 0, meanB: n ? sumB / n : 0 };
}

/**
 * White against silver (`grey`): pixel by pixel both are light and colourless, and a silver
 * body's highlights name as many pixels white as a white body's shaded side names grey. White
 * paint is the brightest thing on the car: its 90th-percentile lightness `l90` reaches
 * `whiteBodyL`, silver's stays below (docs/accuracy.md). The other of the two is the second
 * candidate when the histogram was the other way round.
 */
function whiteOrSilver(l90: number, r: ColourResult, naming: Readonly<LabNaming>): ColourResult {
  const colour: Colour = l90 >= naming.whiteBodyL ? 'white' : 'grey';
  if (colour === r.colour) return r;
  const { second: _, ...rest } = r;
  return { ...rest, colour, second: r.colour };
}
