/**
 * The tracking part of the accuracy harness (docs/accuracy.md): the agent's detector at the
 * agent's frame rate over each labelled clip (detections cached, ./detcache.ts), the agent's
 * tracker over them (./track-run.ts), scored against the identity labels in
 * bench/eval/labels/tracks.json with CLEAR MOT and the identity measures (./mot.ts).
 */
import { MotionGate, type MotionGateOptions } from '../../edge-agent/motion-gate.js';
import type { TrackerOptions } from '../../edge-agent/tracker/tracker.js';
import type { Detector } from '../../models/detector.js';
import type { RgbFrame } from '../../models/frame.js';
import { clipDetections } from './detcache.js';
import { type IdBox, type MotFrame, type MotResult, motMetrics } from './mot.js';
import { iou } from './score.js';
import { type TrackedBox, runTracker } from './track-run.js';
import { type ClipRef, clipFrames, clipSize } from './video.js';

/** One labelled clip: identities of one class every few tenths of a second. */
export interface TrackSequence {
  media: string;
  startSec: number;
  durSec: number;
  cls: 'person' | 'vehicle';
  /** Regions left unlabelled (`[x1, y1, x2, y2]`): tracked boxes centred there are not scored. */
  ignoreRegions?: number[][];
  frames: Array<{ tSec: number; boxes: number[][]; ignore?: number[][] }>;
}

export interface TrackEvalOptions {
  detector: Detector;
  fps: number;
  tiling: number;
  minScore: number;
  /** Tile boxes below this are dropped (edge-agent/tiling.ts); 0: --min-score. */
  tileMinScore?: number;
  tracker: Partial<TrackerOptions>;
  appearance: boolean;
  /** The agent's motion gate in front of the tracker with these options (./track-run.ts), or none. */
  gate?: Partial<MotionGateOptions>;
  log: (s: string) => void;
}

const centredIn = (b: readonly number[], r: readonly number[]): boolean => {
  const cx = (b[0]! + b[2]!) / 2;
  const cy = (b[1]! + b[3]!) / 2;
  return cx >= r[0]! && cx < r[2]! && cy >= r[1]! && cy < r[3]!;
};

/** Share of box `a` inside box `b`. */
function containment(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  const area = (a[2]! - a[0]!) * (a[3]! - a[1]!);
  return w <= 0 || h <= 0 || area <= 0 ? 0 : (w * h) / area;
}

/** A lazy, forward-only frame reader over a clip (the tracker asks for frames in order). */
function frameReader(clip: ClipRef): { at: (k: number) => Promise<RgbFrame>; close: () => Promise<unknown> } {
  const it = clipFrames(clip);
  let last: { k: number; frame: RgbFrame } | undefined;
  const close = () => it.return(undefined);
  const at = async (k: number): Promise<RgbFrame> => {
    while (!last || last.k < k) {
      const n = await it.next();
      if (n.done) break;
      last = { k: n.value.k, frame: n.value.frame };
    }
    if (!last) throw new Error(`clip ${clip.media} has no frame ${k}`);
    return last.frame;
  };
  return { at, close };
}

/** The scored frames of one sequence: labelled boxes against the tracker's boxes nearest in time. */
export function motFrames(
  seq: TrackSequence,
  tracked: ReadonlyArray<{ tSec: number; boxes: TrackedBox[] }>,
  fps: number,
): MotFrame[] {
  const out: MotFrame[] = [];
  for (const f of seq.frames) {
    const near = tracked.reduce<{ tSec: number; boxes: TrackedBox[] } | undefined>(
      (best, t) => (!best || Math.abs(t.tSec - f.tSec) < Math.abs(best.tSec - f.tSec) ? t : best),
      undefined,
    );
    const hyps = near && Math.abs(near.tSec - f.tSec) <= 0.5 / fps ? near.boxes : [];
    const gt: IdBox[] = f.boxes
      .map((b) => ({ id: b[0]!, box: b.slice(1) }))
      .filter((g) => !(seq.ignoreRegions ?? []).some((r) => centredIn(g.box, r)));
    const hyp: IdBox[] = hyps
      .filter((h) => h.cls === seq.cls)
      .filter((h) => !(seq.ignoreRegions ?? []).some((r) => centredIn(h.box, r)))
      .filter((h) => !(f.ignore ?? []).some((r) => containment(h.box, r) > 0.5 || iou(h.box, r) >= 0.5))
      .map((h) => ({ id: h.id, box: h.box }));
    out.push({ gt, hyp });
  }
  return out;
}

/** MOT figures per sequence (by media) and over all of them. */
export async function trackFigures(
  seqs: readonly TrackSequence[],
  o: TrackEvalOptions,
): Promise<Record<string, MotResult>> {
  const res: Record<string, MotResult> = {};
  const all: MotFrame[] = [];
  let offset = 0;
  for (const seq of seqs) {
    const clip: ClipRef = { media: seq.media, startSec: seq.startSec, durSec: seq.durSec, fps: o.fps };
    const dets = await clipDetections(o.detector, clip, o.tiling, o.minScore, o.log, o.tileMinScore);
    const [widthPx, heightPx] = await clipSize(clip);
    const reader = o.appearance || o.gate ? frameReader(clip) : undefined;
    const plans = { skip: 0, coast: 0, crop: 0, full: 0 };
    const tracked = await runTracker(dets, {
      labels: o.detector.labels,
      widthPx,
      heightPx,
      tracker: o.tracker,
      appearance: o.appearance,
      ...(reader ? { frameAt: reader.at } : {}),
      ...(o.gate ? { gate: { gate: new MotionGate(o.gate), plans } } : {}),
    });
    await reader?.close();
    if (o.gate) o.log(`track ${seq.media}: gate ${JSON.stringify(o.gate)} ${JSON.stringify(plans)}`);
    const frames = motFrames(seq, tracked, o.fps);
    res[seq.media] = motMetrics(frames);
    // Identities of different clips never meet: offset them before pooling.
    const shift = (b: IdBox): IdBox => ({ id: b.id + offset, box: b.box });
    all.push(
      ...frames.map((f) => ({
        gt: f.gt.map(shift),
        hyp: f.hyp.map((h) => ({ id: h.id + offset + 5e6, box: h.box })),
      })),
    );
    offset += 1e7;
  }
  res.all = motMetrics(all);
  return res;
}
