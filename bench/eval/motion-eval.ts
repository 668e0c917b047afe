/**
 * Detection with motion gating on the identity-label clips (docs/accuracy.md): the agent's
 * gate (edge-agent/motion-gate.ts) over every frame at the agent's rate, the detector run on
 * what the gate asks (the whole frame, motion regions cropped at the decoded resolution with
 * the last full frame's boxes carried over, or nothing: a skipped frame keeps the previous
 * boxes), and the boxes on the labelled frames returned for scoring. Reports how many frames
 * were skipped, cropped and whole.
 */
import { withCarriedOver } from '../../edge-agent/agent.js';
import {
  cropRegions,
  DEFAULT_MOTION_GATE,
  type MotionGateOptions,
  MotionGate,
} from '../../edge-agent/motion-gate.js';
import type { Detections } from '../../models/detections.js';
import type { Detector } from '../../models/detector.js';
import { cropFrame, type RgbFrame } from '../../models/frame.js';
import type { TrackSequence } from './track-eval.js';
import { clipFrames } from './video.js';

export interface GatedFrames {
  /** Labelled time (centiseconds) → the detections the gated agent has for that frame. */
  byT: Map<number, Detections>;
  plans: { skip: number; crop: number; full: number };
}

export async function gatedDetections(
  det: Detector,
  seq: TrackSequence,
  fps: number,
  minScore: number,
  gate: Partial<MotionGateOptions> = {},
): Promise<GatedFrames> {
  const g = new MotionGate(gate);
  const want = new Set(seq.frames.map((f) => Math.round(f.tSec * 100)));
  const byT = new Map<number, Detections>();
  const plans = { skip: 0, crop: 0, full: 0 };
  let lastFull: Detections | undefined;
  let current: Detections | undefined;
  const clip = { media: seq.media, startSec: seq.startSec, durSec: seq.durSec, fps };
  for await (const { tSec, frame } of clipFrames(clip)) {
    const p = g.plan(frame, Math.round(tSec * 1000));
    plans[p.kind]++;
    if (p.kind === 'full') {
      lastFull = await det.detect(frame, { minScore });
      current = lastFull;
    } else if (p.kind === 'crop') {
      const parts = [];
      for (const r of p.regions)
        parts.push({ detections: await det.detect(cropFrame(frame, ...r), { minScore }), region: r });
      current = withCarriedOver(parts, lastFull);
    }
    const key = Math.round(tSec * 100);
    if (want.has(key) && current) byT.set(key, current);
  }
  return { byT, plans };
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
