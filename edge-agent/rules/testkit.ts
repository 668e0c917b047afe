/**
 * Test fixtures for the rule evaluators: COCO-like labels, a config builder that applies the
 * schema defaults (as the config loader does), and a scenario runner over synthetic tracks.
 */
import { Value } from '@sinclair/typebox/value';
import { CameraRules } from '../../contracts/config/rules.js';
import { Detections } from '../../models/detections.js';
import type { RuleEngine, RuleFiring } from './engine.js';

// calendar-safe: a pure function of the time it is given (no store, no clock).
/** The synthetic clip's first frame time. */
export const T0_MS = 1_764_385_200_000;

/** COCO class names at their usual indices (only those the tests use are named). */
export const LABELS: readonly string[] = (() => {
  const l = Array.from({ length: 80 }, (_, i) => `class_${i}`);
  Object.assign(l, { 0: 'person', 1: 'bicycle', 2: 'car', 3: 'motorcycle', 5: 'bus', 7: 'truck' });
  Object.assign(l, { 24: 'backpack', 26: 'handbag', 28: 'suitcase' });
  return l;
})();

/** Class id of a label in {@link LABELS}. */
export function classOf(label: string): number {
  const i = LABELS.indexOf(label);
  if (i < 0) throw new Error(`no label ${label}`);
  return i;
}

/** A full camera rules config from a partial one, defaults applied and checked against the schema. */
export function rulesConfig(partial: unknown): CameraRules {
  const v = Value.Default(CameraRules, structuredClone(partial)) as CameraRules;
  if (!Value.Check(CameraRules, v)) {
    const errs = [...Value.Errors(CameraRules, v)].map((e) => `${e.path} ${e.message}`);
    throw new Error(`bad test config: ${errs.slice(0, 3).join('; ')}`);
  }
  return v;
}

/** One synthetic track in a frame: anchor (bottom-centre) `x, y`, height `h` (normalised). */
export interface SynthTrack {
  id: number;
  label: string;
  x: number;
  y: number;
  h?: number;
  score?: number;
}

/** Detections (normalised, with track ids) for one frame of synthetic tracks. */
export function detectionsOf(tracks: readonly SynthTrack[]): Detections {
  return Detections.fromRows(
    tracks.map((t) => {
      const h = t.h ?? 0.2;
      const w = h / 2;
      return {
        box: [t.x - w / 2, t.y - h, t.x + w / 2, t.y],
        score: t.score ?? 0.9,
        classId: classOf(t.label),
        trackId: t.id,
      };
    }),
  );
}

/** A firing tagged with the frame it happened in. */
export type FrameFiring = RuleFiring & { frame: number };

/**
 * Runs `frames` frames `frameMs` apart (starting at `t0Ms`) through `engine`; `at(f)` gives the
 * tracks of frame f, `ended(f)` the track ids ended after frame f.
 */
export function runFrames(
  engine: RuleEngine,
  frames: number,
  at: (f: number) => SynthTrack[],
  opts: { frameMs?: number; t0Ms?: number; ended?: (f: number) => number[] } = {},
): FrameFiring[] {
  const frameMs = opts.frameMs ?? 100;
  const t0 = opts.t0Ms ?? T0_MS;
  const out: FrameFiring[] = [];
  for (let f = 0; f < frames; f++) {
    const firings = engine.update({
      detections: detectionsOf(at(f)),
      tsMs: t0 + f * frameMs,
      endedTrackIds: opts.ended?.(f) ?? [],
    });
    for (const x of firings) out.push({ ...x, frame: f });
  }
  return out;
}

/** A square zone polygon from (x1, y1) to (x2, y2). */
export function rect(x1: number, y1: number, x2: number, y2: number): Array<[number, number]> {
  return [
    [x1, y1],
    [x2, y1],
    [x2, y2],
    [x1, y2],
  ];
}

/** Deterministic jitter in [-amp, amp] for frame f (no Math.random in tests). */
export function jitter(f: number, amp: number, phase = 0): number {
  return amp * Math.sin(f * 2.399 + phase);
}
