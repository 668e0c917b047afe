/**
 * Direction of travel from a track's motion, as a compass word (`northbound`, …).
 *
 * Convention: with no camera heading, image-up is north and image-right is east (a camera
 * looking down a north-south street with north at the top of the picture). With
 * `cameraHeadingDeg` — the compass bearing that image-up points to — the image bearing is
 * rotated by it. Motion is measured in pixels (normalised coordinates are scaled by the
 * frame's aspect ratio first), so a diagonal in a 16:9 frame is a true 45°.
 */
import type { Point } from '../geometry.js';

/** The eight compass directions of travel, clockwise from north. */
export const DIRECTIONS = [
  'northbound',
  'northeastbound',
  'eastbound',
  'southeastbound',
  'southbound',
  'southwestbound',
  'westbound',
  'northwestbound',
] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** Options of {@link directionOf}. */
export interface DirectionOptions {
  /** Compass bearing of image-up, degrees clockwise from north (0: image-up is north). */
  cameraHeadingDeg?: number;
  /** Frame width ÷ height, to turn normalised motion into pixel-proportional motion. */
  aspect?: number;
  /** Shorter displacements (normalised frame heights) have no direction. */
  minDisplacement?: number;
}

/** Compass bearing (0 = north, 90 = east) of a motion from `from` to `to` in image coordinates. */
export function bearingDeg(from: Point, to: Point, aspect = 1, cameraHeadingDeg = 0): number {
  const dx = (to[0] - from[0]) * aspect;
  const dy = to[1] - from[1];
  const imageBearing = (Math.atan2(dx, -dy) * 180) / Math.PI;
  return (((imageBearing + cameraHeadingDeg) % 360) + 360) % 360;
}

/**
 * The direction word of a motion from `from` to `to` (normalised anchors, e.g. the track's
 * first and last bottom-centre), or undefined when it moved less than `minDisplacement`.
 */
export function directionOf(from: Point, to: Point, options: DirectionOptions = {}): Direction | undefined {
  const aspect = options.aspect ?? 1;
  const moved = Math.hypot((to[0] - from[0]) * aspect, to[1] - from[1]);
  if (moved < (options.minDisplacement ?? 0.05)) return undefined;
  const b = bearingDeg(from, to, aspect, options.cameraHeadingDeg ?? 0);
  return DIRECTIONS[Math.round(b / 45) % 8]!;
}
