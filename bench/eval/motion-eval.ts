/**
 * Detection with motion gating on the identity-label clips (docs/accuracy.md): the agent's
 * gate (edge-agent/motion-gate.ts) over every frame at the agent's rate, the detector run on
 * what the gate asks (the whole frame, motion regions cropped at the decoded resolution with
 * the last full frame's boxes carried over, or nothing: a skipped frame keeps the previous
 * boxes), and the boxes on the labelled frames returned for scoring. Reports how many frames
 * were skipped, coasted, cropped and whole. With `coastFrames` > 1 the agent's tracker runs on
 * the detected frames (edge-agent/agent-camera.ts options, tracker defaults) and the gate
 * coasts on its steady tracks (edge-agent/coast.ts, no rules); on a coasted frame the boxes
 * are the tracks' predicted ones, what the tracker believes between detections.
 */
import { Value } from '@sinclair/typebox/value';
import { GatewayConfig } from '../../contracts/config/gateway.js';
import { withCarriedOver } from '../../edge-agent/agent.js';
import { sightingTypeOf } from '../../edge-agent/attributes/labels.js';
import { steadyTrackBoxes } from '../../edge-agent/coast.js';
import { normaliseBoxes } from '../../edge-agent/geometry.js';
import { ByteTracker } from '../../edge-agent/tracker/tracker.js';
import {
  cropRegions,
  DEFAULT_MOTION_GATE,
  type GatePlan,
  type MotionGateOptions,
  MotionGate,
} from '../../edge-agent/motion-gate.js';
import { Detections } from '../../models/detections.js';
import type { Detector } from '../../models/detector.js';
import { cropFrame, type RgbFrame } from '../../models/frame.js';
import type { TrackSequence } from './track-eval.js';
import { resizeFrame } from './media.js';
import { clipFrames } from './video.js';

export interface GatedFrames {
  /** Labelled time (centiseconds) → the detections the gated agent has for that frame. */
  byT: Map<number, Detections>;
  plans: { skip: number; coast: number; crop: number; full: number };
}

export async function gatedDetections(
  det: Detector,
  seq: TrackSequence,
  fps: number,
  minScore: number,
  gate: Partial<MotionGateOptions> = {},
  frames?: AsyncIterable<{ tSec: number; frame: RgbFrame }>,
): Promise<GatedFrames> {
  // coastFrames 0: no gate at all, every frame detected whole (the ungated agent).
  const ungated = gate.coastFrames === 0;
  const g = new MotionGate(ungated ? { ...gate, coastFrames: 1 } : gate);
  const want = new Set(seq.frames.map((f) => Math.round(f.tSec * 100)));
  const byT = new Map<number, Detections>();
  const plans = { skip: 0, coast: 0, crop: 0, full: 0 };
  let lastFull: Detections | undefined;
  let current: Detections | undefined;
  const clip = { media: seq.media, startSec: seq.startSec, durSec: seq.durSec, fps };
  const tracker = g.options.coastFrames > 1 ? agentTracker(det.labels) : undefined;
  for await (const { tSec, frame } of frames ?? clipFrames(clip)) {
    const tMs = Math.round(tSec * 1000);
    const { width: w, height: h } = frame;
    const steady = tracker && steadyTrackBoxes(tracker.tracksInfo(tMs), { lines: [], zones: [] });
    const p: GatePlan = ungated
      ? { kind: 'full' }
      : g.plan(
          frame,
          tMs,
          steady?.map((b) => [b[0] * w, b[1] * h, b[2] * w, b[3] * h]),
        );
    plans[p.kind]++;
    if (p.kind === 'coast' && tracker) current = predicted(tracker, tMs, w, h);
    if (p.kind === 'full') {
      lastFull = await det.detect(frame, { minScore });
      current = lastFull;
    } else if (p.kind === 'crop') {
      const parts = [];
      for (const r of p.regions)
        parts.push({ detections: await det.detect(cropFrame(frame, ...r), { minScore }), region: r });
      current = withCarriedOver(parts, lastFull);
    }
    if (tracker && current && (p.kind === 'full' || p.kind === 'crop')) {
      const kept = current.filter(
        Array.from(current.classId, (c) => sightingTypeOf(det.labels[c] ?? '') !== 'object'),
      );
      const norm = normaliseBoxes(kept.xyxy, w, h);
      tracker.update(new Detections({ xyxy: norm, score: kept.score, classId: kept.classId }), tMs);
    }
    const key = Math.round(tSec * 100);
    if (want.has(key) && current) byT.set(key, current);
  }
  return { byT, plans };
}

/** The agent's tracker as edge-agent/agent-camera.ts builds it, with the config defaults. */
function agentTracker(labels: readonly string[]): ByteTracker {
  const t = Value.Default(GatewayConfig.properties.tracker, {}) as GatewayConfig['tracker'];
  const vehicles = ['car', 'bus', 'truck'].map((n) => labels.indexOf(n)).filter((i) => i >= 0);
  return new ByteTracker({
    lostTrackMs: t.lostTrackMs,
    minHits: t.minHits,
    highScore: t.highScore,
    newTrackScore: t.newTrackScore,
    lowScore: 0,
    classGroups: [vehicles],
  });
}

/** The tracked tracks' boxes predicted to `tMs`, in frame pixels, as detections. */
function predicted(tracker: ByteTracker, tMs: number, w: number, h: number): Detections {
  const live = tracker.tracksInfo(tMs).filter((t) => t.state === 'tracked');
  return new Detections({
    xyxy: Float32Array.from(live.flatMap((t) => [t.box[0] * w, t.box[1] * h, t.box[2] * w, t.box[3] * h])),
    score: Float32Array.from(live, () => 1),
    classId: Int32Array.from(live, (t) => t.classId),
  });
}

/**
 * Detections on the crops the gate would make if exactly the given boxes moved (the labelled
 * people: an upper bound for motion-region crops on a still photo): the boxes grown and merged
 * by the gate's own rule (`cropRegions`, default margin and minimum side), each crop detected at
 * its decoded resolution, the boxes mapped back and merged. No `maxRegions` limit: every
 * region is one detector run, counted in `runs`.
 */
export async function regionCropDetections(
  det: Detector,
  frame: RgbFrame,
  moving: ReadonlyArray<readonly number[]>,
  minScore: number,
): Promise<{ detections: Detections; runs: number }> {
  const regions = cropRegions(moving, frame.width, frame.height, DEFAULT_MOTION_GATE);
  const parts = [];
  for (const r of regions)
    parts.push({ detections: await det.detect(cropFrame(frame, ...r), { minScore }), region: r });
  return { detections: withCarriedOver(parts, undefined), runs: regions.length };
}

/**
 * The motion boxes the agent's gate has on a labelled video frame: the gate (default options)
 * fed the `leadSec` seconds of frames before it at `fps`, each resized to `decode` when the
 * agent decodes the camera smaller (small-people.json). A still image has no motion: [].
 */
export async function motionBefore(
  l: { media: string; tSec?: number; decode?: [number, number] },
  fps = 5,
  leadSec = 3,
): Promise<ReadonlyArray<readonly number[]>> {
  if (l.tSec === undefined) return [];
  const g = new MotionGate();
  const clip = { media: l.media, startSec: Math.max(0, l.tSec - leadSec), durSec: leadSec + 0.5 / fps, fps };
  for await (const { tSec, frame } of clipFrames(clip)) {
    const f = l.decode ? await resizeFrame(frame, l.decode[0], l.decode[1]) : frame;
    g.plan(f, Math.round(tSec * 1000));
    if (tSec >= l.tSec - 0.5 / fps) return g.lastMotion;
  }
  return g.lastMotion;
}
