/**
 * Torso and legs regions of a person from body keypoints (pose.ts), for clothing colours
 * (crops.ts): the torso between the shoulders and the hips, the legs between the hips and
 * the knees (or the ankles), each trimmed towards the body's middle line so the arms and
 * the background between the legs weigh less. Undefined when the keypoints it needs are not
 * confident; the caller then uses the box bands.
 */
import type { Box } from '../geometry.js';
import { KEYPOINTS, type KeypointName } from '../../models/pose/movenet.js';
import type { BodyKeypoints } from './pose.js';

export interface BodyRegionOptions {
  /** Smallest keypoint score to use a keypoint. */
  minScore: number;
  /** Fraction of the shoulder/hip width kept across the torso (centred). */
  torsoWidth: number;
  /** Fraction of the shoulder→hip height skipped below the shoulders (collar, hair). */
  torsoTop: number;
  /** Fraction of the shoulder→hip height kept above the hips. */
  torsoBottom: number;
  /** Lower region ends at the knees ('knee') or half-way to the ankles ('shin'). */
  legsTo: 'knee' | 'shin';
  /** Fraction of the hip width kept across the legs, as a multiple of the hip span. */
  legsWidth: number;
}

export const BODY_REGION_DEFAULTS: BodyRegionOptions = {
  minScore: 0.3,
  torsoWidth: 0.7,
  torsoTop: 0,
  torsoBottom: 0.95,
  legsTo: 'shin',
  legsWidth: 1.0,
};

const idx = (n: KeypointName): number => KEYPOINTS.indexOf(n);

function point(kp: BodyKeypoints, n: KeypointName, minScore: number): [number, number] | undefined {
  const k = idx(n);
  return kp[3 * k + 2]! >= minScore ? [kp[3 * k]!, kp[3 * k + 1]!] : undefined;
}

/** Mean of the confident points of a left/right pair (one is enough). */
function pair(kp: BodyKeypoints, l: KeypointName, r: KeypointName, minScore: number): [number, number][] {
  return [point(kp, l, minScore), point(kp, r, minScore)].filter((p) => p !== undefined);
}

const mean = (ps: [number, number][], i: 0 | 1): number => ps.reduce((s, p) => s + p[i], 0) / ps.length;

function clampTo(boxPx: Box, r: Box): Box | undefined {
  const out: Box = [
    Math.max(boxPx[0], r[0]),
    Math.max(boxPx[1], r[1]),
    Math.min(boxPx[2], r[2]),
    Math.min(boxPx[3], r[3]),
  ];
  return out[2] - out[0] >= 2 && out[3] - out[1] >= 2 ? out : undefined;
}

/** The torso: both shoulders and at least one hip confident, shoulders above the hips. */
export function torsoRegion(
  kp: BodyKeypoints,
  boxPx: Box,
  o: BodyRegionOptions = BODY_REGION_DEFAULTS,
): Box | undefined {
  const sh = pair(kp, 'leftShoulder', 'rightShoulder', o.minScore);
  const hp = pair(kp, 'leftHip', 'rightHip', o.minScore);
  if (sh.length < 2 || hp.length < 1) return undefined;
  const top = mean(sh, 1);
  const bottom = mean(hp, 1);
  const h = bottom - top;
  if (h <= 0) return undefined;
  const xs = [...sh, ...hp].map((p) => p[0]);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const half = ((Math.max(...xs) - Math.min(...xs)) * o.torsoWidth) / 2;
  return clampTo(boxPx, [cx - half, top + o.torsoTop * h, cx + half, top + o.torsoBottom * h]);
}

/** The legs: at least one hip and one knee confident, the hips above the knees. */
export function legsRegion(
  kp: BodyKeypoints,
  boxPx: Box,
  o: BodyRegionOptions = BODY_REGION_DEFAULTS,
): Box | undefined {
  const hp = pair(kp, 'leftHip', 'rightHip', o.minScore);
  const kn = pair(kp, 'leftKnee', 'rightKnee', o.minScore);
  if (hp.length < 1 || kn.length < 1) return undefined;
  const top = mean(hp, 1);
  let bottom = mean(kn, 1);
  if (bottom <= top) return undefined;
  if (o.legsTo === 'shin') {
    const an = pair(kp, 'leftAnkle', 'rightAnkle', o.minScore);
    if (an.length > 0 && mean(an, 1) > bottom) bottom = (bottom + mean(an, 1)) / 2;
  }
  const xs = [...hp, ...kn].map((p) => p[0]);
  const span = Math.max(Math.max(...xs) - Math.min(...xs), (boxPx[2] - boxPx[0]) * 0.25);
  const cx = (Math.min(...xs) + Math.max(...xs)) / 2;
  const half = (span * o.legsWidth) / 2;
  return clampTo(boxPx, [cx - half, top + 0.05 * (bottom - top), cx + half, bottom]);
}
