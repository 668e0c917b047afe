/**
 * Runs the edge agent's tracker (edge-agent/tracker/tracker.ts) over a clip's cached
 * detections as the agent would (edge-agent/agent-camera.ts: boxes normalised to 0..1, car,
 * bus and truck one class group, every detection above the model's minimum score given to
 * the tracker), and returns the tracked boxes per frame in frame pixels with their track ids,
 * for the MOT metrics (./mot.ts) and for labelling (./track-bootstrap.ts).
 */
import { appearanceHistogram } from '../../edge-agent/attributes/appearance.js';
import type { Box } from '../../edge-agent/geometry.js';
import { sightingTypeOf } from '../../edge-agent/attributes/labels.js';
import { steadyTrackBoxes } from '../../edge-agent/coast.js';
import type { GatePlan, MotionGate } from '../../edge-agent/motion-gate.js';
import { ByteTracker, type TrackerOptions } from '../../edge-agent/tracker/tracker.js';
import { Detections } from '../../models/detections.js';
import type { RgbFrame } from '../../models/frame.js';
import type { FrameDetections } from './detcache.js';

export interface TrackedBox {
  id: number;
  cls: 'person' | 'vehicle';
  box: number[];
  score: number;
}

export interface TrackedFrame {
  tSec: number;
  boxes: TrackedBox[];
}

export interface TrackRunOptions {
  labels: readonly string[];
  widthPx: number;
  heightPx: number;
  tracker: Partial<TrackerOptions>;
  /** The frame of each detection row, for trackers that look at pixels (appearance) and the motion gate. */
  frameAt?: (k: number) => Promise<RgbFrame>;
  /** Colour histograms for the appearance terms (default: when `frameAt` is given). */
  appearance?: boolean;
  /**
   * The agent's motion gate in front (needs `frameAt`): on a frame it skips or coasts
   * (edge-agent/motion-gate.ts) the tracker gets nothing and the frame's boxes are the tracked
   * tracks' predicted ones; the cached whole-frame detections stand for crops. Counts in `plans`.
   */
  gate?: { gate: MotionGate; plans: Record<GatePlan['kind'], number> };
}

/** The tracker's output on every frame of the clip. */
export async function runTracker(
  frames: readonly FrameDetections[],
  o: TrackRunOptions,
): Promise<TrackedFrame[]> {
  const vehicleIds = ['car', 'bus', 'truck'].map((n) => o.labels.indexOf(n)).filter((i) => i >= 0);
  const tracker = new ByteTracker({ classGroups: [vehicleIds], lowScore: 0, ...o.tracker });
  const out: TrackedFrame[] = [];
  for (const [k, f] of frames.entries()) {
    const rows = f.dets.filter((d) => {
      const t = sightingTypeOf(o.labels[d.classId] ?? '');
      return t === 'person' || t === 'vehicle';
    });
    const xyxy = new Float32Array(rows.length * 4);
    rows.forEach((d, i) => {
      xyxy.set(
        [d.box[0]! / o.widthPx, d.box[1]! / o.heightPx, d.box[2]! / o.widthPx, d.box[3]! / o.heightPx],
        i * 4,
      );
    });
    const dets = new Detections({
      xyxy,
      score: Float32Array.from(rows, (d) => d.score),
      classId: Int32Array.from(rows, (d) => d.classId),
    });
    const frame = o.frameAt ? await o.frameAt(k) : undefined;
    const tMs = Math.round(f.tSec * 1000);
    if (o.gate && frame) {
      const steady = steadyTrackBoxes(tracker.tracksInfo(tMs), { lines: [], zones: [] });
      const px = steady?.map((b) => [
        b[0] * o.widthPx,
        b[1] * o.heightPx,
        b[2] * o.widthPx,
        b[3] * o.heightPx,
      ]);
      const plan = o.gate.gate.plan(frame, tMs, px);
      o.gate.plans[plan.kind]++;
      if (plan.kind === 'skip' || plan.kind === 'coast') {
        out.push({ tSec: f.tSec, boxes: coastingBoxes(tracker, tMs, o) });
        continue;
      }
    }
    const img =
      frame && o.appearance !== false
        ? { data: frame.data, widthPx: frame.width, heightPx: frame.height }
        : undefined;
    const hist =
      img &&
      rows.map((d) =>
        appearanceHistogram(
          img,
          [d.box[0]!, d.box[1]!, d.box[2]!, d.box[3]!] as Box,
          sightingTypeOf(o.labels[d.classId] ?? '') === 'person',
        ),
      );
    const { detections } = tracker.update(dets, tMs, hist);
    const boxes: TrackedBox[] = [];
    for (let i = 0; i < detections.length; i++) {
      const b = detections.box(i);
      const cls = sightingTypeOf(o.labels[detections.classId[i]!] ?? '');
      if (cls !== 'person' && cls !== 'vehicle') continue;
      boxes.push({
        id: detections.trackId![i]!,
        cls,
        box: [b[0] * o.widthPx, b[1] * o.heightPx, b[2] * o.widthPx, b[3] * o.heightPx],
        score: detections.score[i]!,
      });
    }
    out.push({ tSec: f.tSec, boxes });
  }
  return out;
}

/** The tracked (confirmed, matched) tracks' boxes predicted to `tMs`, in frame pixels: the coasting tracker's belief. */
function coastingBoxes(tracker: ByteTracker, tMs: number, o: TrackRunOptions): TrackedBox[] {
  const out: TrackedBox[] = [];
  for (const t of tracker.tracksInfo(tMs)) {
    const cls = sightingTypeOf(o.labels[t.classId] ?? '');
    if (t.state !== 'tracked' || t.trackId === 0 || (cls !== 'person' && cls !== 'vehicle')) continue;
    const b = t.box;
    out.push({
      id: t.trackId,
      cls,
      box: [b[0] * o.widthPx, b[1] * o.heightPx, b[2] * o.widthPx, b[3] * o.heightPx],
      score: 1,
    });
  }
  return out;
}
