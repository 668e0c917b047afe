import { describe, expect, it } from 'vitest';
import { Detections } from '../models/detections.js';
import type { RgbFrame } from '../models/frame.js';
import { nearRule, steadyTrackBoxes } from './coast.js';
import { MotionGate, motionExplained } from './motion-gate.js';
import { ByteTracker, type TrackInfo } from './tracker/tracker.js';

/** A grey 640×480 frame with a bright block at `x` (40 × 60 px), or none. */
function frame(x?: number, y = 200): RgbFrame {
  const w = 640;
  const data = new Uint8Array(w * 480 * 3).fill(100);
  if (x !== undefined) for (let r = y; r < y + 60; r++) data.fill(230, (r * w + x) * 3, (r * w + x + 40) * 3);
  return { data, width: w, height: 480 };
}

const info = (over: Partial<TrackInfo>): TrackInfo => ({
  trackId: 1,
  state: 'tracked',
  classId: 0,
  box: [0.4, 0.4, 0.5, 0.6],
  firstSeenMs: 0,
  lastSeenMs: 0,
  hits: 10,
  ...over,
});
const noRules = { lines: [], zones: [] };

describe('MotionGate coasting (motion.coastFrames)', () => {
  it('moving motion the detector just looked at: detected one frame in coastFrames, new motion at once', () => {
    const g = new MotionGate({ stillCheckMs: 60_000, coastFrames: 2 });
    const kinds: string[] = [];
    expect(g.plan(frame(), 0, [])).toEqual({ kind: 'full' });
    for (let k = 1; k <= 6; k++) kinds.push(g.plan(frame(100 + 10 * k), k * 200, []).kind);
    // First motion is new (nothing examined): detected; then every other frame.
    expect(kinds).toEqual(['crop', 'coast', 'crop', 'coast', 'crop', 'coast']);
    // A second mover far from everything examined: detected at once, though one frame was coasted.
    const two = frame(100 + 70);
    for (let r = 380; r < 440; r++) two.data.fill(230, (r * 640 + 520) * 3, (r * 640 + 560) * 3);
    expect(g.plan(two, 1400, []).kind).not.toBe('coast');
  });

  it('never coasts when off (the default), or when the caller forbids it (undefined tracks)', () => {
    for (const [opts, tracks] of [
      [{}, []],
      [{ coastFrames: 3 }, undefined],
    ] as const) {
      const g = new MotionGate({ stillCheckMs: 60_000, ...opts });
      g.plan(frame(), 0, tracks);
      for (let k = 1; k <= 5; k++)
        expect(g.plan(frame(100 + 10 * k), k * 200, tracks).kind).not.toBe('coast');
    }
  });

  it('coastFrames 3 detects one frame in three', () => {
    const g = new MotionGate({ stillCheckMs: 60_000, coastFrames: 3 });
    g.plan(frame(), 0, []);
    const kinds = Array.from(
      { length: 6 },
      (_, k) => g.plan(frame(100 + 10 * (k + 1)), (k + 1) * 200, []).kind,
    );
    expect(kinds).toEqual(['crop', 'coast', 'coast', 'crop', 'coast', 'coast']);
  });
});

describe('motionExplained', () => {
  const track = [100, 100, 200, 300];
  it('motion inside a steady track (grown by the margin) is explained; outside it is not', () => {
    expect(motionExplained([[110, 120, 210, 290]], [track], [], 0.25)).toBe(true);
    expect(motionExplained([[400, 120, 450, 290]], [track], [], 0.25)).toBe(false);
    expect(motionExplained([[110, 120, 210, 290]], [track], [], 0)).toBe(false);
  });
  it('a steady track without motion on it (stopped, turned) is a disagreement: not explained', () => {
    expect(motionExplained([[110, 120, 190, 290]], [track, [400, 100, 450, 200]], [], 0.25)).toBe(false);
  });
  it('with tracks in view, motion outside them is not explained though it touches examined motion', () => {
    const motion = [
      [110, 120, 190, 290],
      [300, 300, 360, 360],
    ];
    expect(motionExplained(motion, [track], [[340, 320, 400, 380]], 0.25)).toBe(false);
  });
  it('motion overlapping what the detector last examined is explained; no motion known: not', () => {
    expect(motionExplained([[300, 300, 360, 360]], [], [[340, 320, 400, 380]], 0.25)).toBe(true);
    expect(motionExplained([[300, 300, 360, 360]], [], [[400, 320, 440, 380]], 0.25)).toBe(false);
    expect(motionExplained([[300, 300, 360, 360]], [], [], 0.25)).toBe(false);
  });
});

describe('steadyTrackBoxes', () => {
  it('steady confirmed tracks give their boxes; lost ones are left out; none: an empty list', () => {
    expect(steadyTrackBoxes([info({}), info({ trackId: 2, state: 'lost', hits: 1 })], noRules)).toEqual([
      [0.4, 0.4, 0.5, 0.6],
    ]);
    expect(steadyTrackBoxes([], noRules)).toEqual([]);
  });
  it('two touching tracks (identities may swap) forbid coasting', () => {
    expect(steadyTrackBoxes([info({}), info({ trackId: 2, box: [0.48, 0.5, 0.6, 0.7] })], noRules)).toBe(
      undefined,
    );
    expect(
      steadyTrackBoxes([info({}), info({ trackId: 2, box: [0.7, 0.5, 0.8, 0.7] })], noRules),
    ).toHaveLength(2);
  });
  it('a new (tentative) or not yet steady track forbids coasting', () => {
    expect(steadyTrackBoxes([info({}), info({ trackId: 0, state: 'tentative', hits: 1 })], noRules)).toBe(
      undefined,
    );
    expect(steadyTrackBoxes([info({ hits: 4 })], noRules)).toBe(undefined);
  });
  it('a track near a rule line or a zone edge forbids coasting; deep inside a zone does not', () => {
    const line = { from: [0.52, 0] as const, to: [0.52, 1] as const };
    expect(steadyTrackBoxes([info({})], { lines: [line], zones: [] })).toBe(undefined);
    expect(nearRule([0.4, 0.4, 0.5, 0.6], { lines: [line], zones: [] }, 0)).toBe(false);
    const big = {
      polygon: [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ] as Array<[number, number]>,
    };
    const edge = {
      polygon: [
        [0.45, 0],
        [1, 0],
        [1, 1],
        [0.45, 1],
      ] as Array<[number, number]>,
    };
    expect(steadyTrackBoxes([info({})], { lines: [], zones: [big] })).toHaveLength(1);
    expect(steadyTrackBoxes([info({})], { lines: [], zones: [edge] })).toBe(undefined);
  });
});

describe('ByteTracker.tracksInfo(atMs)', () => {
  it('predicts each box to the time asked without moving the track', () => {
    const t = new ByteTracker({ minHits: 1 });
    const det = (x: number) =>
      new Detections({
        xyxy: Float32Array.from([x, 0.4, x + 0.1, 0.6]),
        score: Float32Array.from([0.9]),
        classId: Int32Array.from([0]),
      });
    for (let k = 0; k < 6; k++) t.update(det(0.1 + 0.02 * k), k * 200);
    const now = t.tracksInfo()[0]!.box;
    const later = t.tracksInfo(1400)[0]!.box;
    expect(later[0]).toBeGreaterThan(now[0] + 0.01);
    expect(t.tracksInfo()[0]!.box).toEqual(now);
  });
});
