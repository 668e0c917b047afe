/**
 * Which labelled identity a colour label is (docs/accuracy.md, "vehicle colour per track"):
 * the colour labels (bench/eval/labels/vehicle-colours.json) and the identity labels
 * (bench/eval/labels/tracks.json) were made on frames of the same footage but at other instants,
 * so each identity's box is interpolated linearly to the colour label's time between its two
 * nearest labelled frames, and the label goes to the identity overlapping it best.
 */
import type { Box } from '../../edge-agent/geometry.js';
import { iou } from './score.js';
import type { TrackSequence } from './track-eval.js';

/** Boxes of one identity over time, in time order. */
export type IdentityPath = Array<{ tSec: number; box: Box }>;

/** The identities of a labelled clip, each with its boxes in time order. */
export function identityPaths(seq: TrackSequence): Map<number, IdentityPath> {
  const out = new Map<number, IdentityPath>();
  for (const f of [...seq.frames].sort((a, b) => a.tSec - b.tSec)) {
    for (const [id, x1, y1, x2, y2] of f.boxes) {
      const path = out.get(id!) ?? [];
      out.set(id!, path);
      path.push({ tSec: f.tSec, box: [x1!, y1!, x2!, y2!] });
    }
  }
  return out;
}

/**
 * The identity's box at `tSec`: interpolated between the labelled frames around it, or the
 * first / last box when `tSec` is at most `edgeSec` outside the identity's span; else undefined.
 */
export function boxAt(path: IdentityPath, tSec: number, edgeSec: number): Box | undefined {
  const first = path[0];
  const last = path[path.length - 1];
  if (!first || !last) return undefined;
  if (tSec <= first.tSec) return first.tSec - tSec <= edgeSec ? first.box : undefined;
  if (tSec >= last.tSec) return tSec - last.tSec <= edgeSec ? last.box : undefined;
  for (let k = 1; k < path.length; k++) {
    const b = path[k]!;
    if (b.tSec < tSec) continue;
    const a = path[k - 1]!;
    const s = (tSec - a.tSec) / (b.tSec - a.tSec);
    return a.box.map((v, i) => v + s * (b.box[i]! - v)) as unknown as Box;
  }
  return undefined;
}

/** The identity whose box at `tSec` overlaps `box` best with IoU ≥ `minIou`, or undefined. */
export function identityOf(
  paths: ReadonlyMap<number, IdentityPath>,
  tSec: number,
  box: Box,
  minIou = 0.3,
  edgeSec = 0.4,
): number | undefined {
  let best: number | undefined;
  let bestIou = minIou;
  for (const [id, path] of paths) {
    const at = boxAt(path, tSec, edgeSec);
    if (!at) continue;
    const o = iou(at, box);
    if (o >= bestIou) {
      best = id;
      bestIou = o;
    }
  }
  return best;
}
