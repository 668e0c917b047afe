/**
 * Whether the motion gate may coast (edge-agent/motion-gate.ts, `coastFrames`;
 * docs/edge.md#motion-gating), and on which tracks: the predicted boxes of a camera's
 * confirmed tracks (none: an empty list), when every one of them is steady (matched in at
 * least `steadyHits` frames), none is near a rule line or a zone edge, no two touch (where
 * identities swap), and no new (tentative) track is waiting to be confirmed. Otherwise undefined: the detector runs at the
 * full rate. Lost tracks are left out: they neither block nor explain motion.
 * Pure: track snapshots and geometry in, boxes out (0..1 of the frame).
 */
import {
  type Box,
  boxesOverlap,
  growBox,
  type Point,
  type Polygon,
  pointInPolygon,
  segmentsIntersect,
} from './geometry.js';
import type { TrackInfo } from './tracker/tracker.js';

export interface CoastRules {
  lines: ReadonlyArray<{ from: Point; to: Point }>;
  zones: ReadonlyArray<{ polygon: Polygon }>;
}

export interface CoastOptions {
  /** Matches a confirmed track needs before the detector may coast on it. */
  steadyHits: number;
  /** A box grown by this share of its size on each side must not touch a line or zone edge. */
  ruleMargin: number;
}

export const DEFAULT_COAST: Readonly<CoastOptions> = Object.freeze({ steadyHits: 5, ruleMargin: 0.25 });

/** The steady tracks' boxes (maybe none), or undefined when the detector must run at the full rate. */
export function steadyTrackBoxes(
  tracks: readonly TrackInfo[],
  rules: CoastRules,
  o: CoastOptions = DEFAULT_COAST,
): Box[] | undefined {
  const boxes: Box[] = [];
  for (const t of tracks) {
    if (t.state === 'lost') continue;
    if (t.state === 'tentative' || t.hits < o.steadyHits) return undefined;
    if (nearRule(t.box, rules, o.ruleMargin)) return undefined;
    boxes.push(t.box);
  }
  // Two tracks touching: where identities swap, the detector runs at the full rate.
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) if (boxesOverlap(boxes[i]!, boxes[j]!)) return undefined;
  return boxes;
}

/** The box, grown by `margin` of its size on each side, touches a line or crosses a zone's edge. */
export function nearRule(box: Box, rules: CoastRules, margin: number): boolean {
  const r = growBox(box, margin);
  if (rules.lines.some((l) => segmentTouchesBox(l.from, l.to, r))) return true;
  return rules.zones.some((z) =>
    z.polygon.some((p, i) => segmentTouchesBox(p, z.polygon[(i + 1) % z.polygon.length]!, r)),
  );
}

function segmentTouchesBox(a: Point, b: Point, r: Box): boolean {
  const corners: Polygon = [
    [r[0], r[1]],
    [r[2], r[1]],
    [r[2], r[3]],
    [r[0], r[3]],
  ];
  if (pointInPolygon(a[0], a[1], corners) || pointInPolygon(b[0], b[1], corners)) return true;
  return corners.some((c, i) => segmentsIntersect(a, b, c, corners[(i + 1) % 4]!));
}
