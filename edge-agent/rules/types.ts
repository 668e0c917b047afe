/**
 * Shared pieces of the rule evaluators: the per-frame track view, the firing record, the
 * hysteresis ("inertia") latch, the once-per-episode-with-cooldown gate and the per-track
 * state map with its eviction rules.
 */
import type { RuleType } from '../../contracts/config/rules.js';
import type { Box, Point } from '../geometry.js';

/** One tracked object in the current frame, in normalised coordinates. */
export interface FrameTrack {
  trackId: number;
  classId: number;
  label: string;
  score: number;
  /** `[x1, y1, x2, y2]` in 0..1. */
  box: Box;
  /** Bottom-centre anchor, 0..1. */
  anchor: Point;
  /** Box height, 0..1 of the frame (the scale for movement thresholds). */
  heightNorm: number;
}

/** One frame as the evaluators see it. */
export interface RuleFrame {
  tsMs: number;
  tracks: readonly FrameTrack[];
}

/** A rule that fired. `trackId`/`classId` are null for zone-level rules (crowding). */
export interface RuleFiring {
  /** Rule name from the config. */
  rule: string;
  type: RuleType;
  /** Zone (or line) name. */
  zone: string;
  trackId: number | null;
  classId: number | null;
  /** Detector label of the track (the rule's first class for zone-level rules). */
  label: string;
  /** Detector score of the track's box in this frame (mean over tracks for zone-level rules). */
  score: number;
  tsMs: number;
  /** How long the condition has held when it fired. */
  durationMs: number;
  /** Normalised box of the track (union of the counted boxes for zone-level rules). */
  box: [number, number, number, number];
  details: Record<string, string | number>;
}

/** What every evaluator offers the engine. */
export interface RuleEvaluator {
  readonly ruleId: string;
  update(frame: RuleFrame): RuleFiring[];
  /** Forgets one track (it ended). */
  evict(trackId: number): void;
  /** Forgets tracks not seen for more than `staleMs` (a safety net for missed `ended` events). */
  evictStale(nowMs: number, staleMs: number): void;
  /** Per-track entries held (tests check it returns to 0). */
  readonly size: number;
}

/**
 * A boolean latch with inertia: it changes only after `inertiaFrames` consecutive frames of
 * the opposite value, and then dates the change from the first of those frames. A value that
 * flickers on a zone border never flips it.
 */
export interface Latch {
  on: boolean;
  /** When it last turned on (first frame of the streak); null while off. */
  sinceMs: number | null;
  streak: number;
  pendingMs: number;
}

export function newLatch(): Latch {
  return { on: false, sinceMs: null, streak: 0, pendingMs: 0 };
}

/** Feeds one frame's value into a latch. */
export function observeLatch(l: Latch, value: boolean, nowMs: number, inertiaFrames: number): void {
  if (value === l.on) {
    l.streak = 0;
    return;
  }
  if (l.streak === 0) l.pendingMs = nowMs;
  l.streak++;
  if (l.streak >= inertiaFrames) {
    l.on = value;
    l.sinceMs = value ? l.pendingMs : null;
    l.streak = 0;
  }
}

/**
 * Fires once per episode (an episode ends when the condition clears), and not again until
 * `cooldownMs` after the previous firing.
 */
export interface Gate {
  firedInEpisode: boolean;
  lastFiredMs: number | null;
}

export function newGate(): Gate {
  return { firedInEpisode: false, lastFiredMs: null };
}

/** True (and records the firing) when the gate lets a firing through at `nowMs`. */
export function passGate(g: Gate, nowMs: number, cooldownMs: number): boolean {
  if (g.firedInEpisode) return false;
  if (g.lastFiredMs !== null && nowMs - g.lastFiredMs < cooldownMs) return false;
  g.firedInEpisode = true;
  g.lastFiredMs = nowMs;
  return true;
}

/** Ends the gate's episode (the condition cleared). */
export function endEpisode(g: Gate): void {
  g.firedInEpisode = false;
}

/**
 * Per-track state with its eviction rules: `evict(id)` when the tracker ends the track,
 * `evictStale` for tracks not updated within `staleMs`.
 */
export class TrackStates<T> {
  private readonly map = new Map<number, { lastSeenMs: number; value: T }>();

  /** The state of `trackId`, created by `init` on first sight; marks it seen at `nowMs`. */
  touch(trackId: number, nowMs: number, init: () => T): T {
    let e = this.map.get(trackId);
    if (!e) {
      e = { lastSeenMs: nowMs, value: init() };
      this.map.set(trackId, e);
    }
    e.lastSeenMs = nowMs;
    return e.value;
  }

  evict(trackId: number): void {
    this.map.delete(trackId);
  }

  evictStale(nowMs: number, staleMs: number): void {
    for (const [id, e] of this.map) if (nowMs - e.lastSeenMs > staleMs) this.map.delete(id);
  }

  get size(): number {
    return this.map.size;
  }
}

/**
 * The shared part of every evaluator: its rule id, the classes it watches, and per-track
 * state with the eviction rules (a track that ended, or was not seen for `staleMs`).
 */
export abstract class TrackRuleEvaluator<S> implements RuleEvaluator {
  readonly ruleId: string;
  protected readonly classes: ReadonlySet<string>;
  protected readonly states = new TrackStates<S>();

  constructor(rule: { id: string; classes: readonly string[] }) {
    this.ruleId = rule.id;
    this.classes = new Set(rule.classes);
  }

  abstract update(frame: RuleFrame): RuleFiring[];

  get size(): number {
    return this.states.size;
  }

  evict(trackId: number): void {
    this.states.evict(trackId);
  }

  evictStale(nowMs: number, staleMs: number): void {
    this.states.evictStale(nowMs, staleMs);
  }
}

/** Union of boxes (for zone-level firings). */
export function unionBox(boxes: readonly Box[]): [number, number, number, number] {
  if (boxes.length === 0) return [0, 0, 0, 0];
  let [x1, y1, x2, y2] = [1, 1, 0, 0];
  for (const b of boxes) {
    x1 = Math.min(x1, b[0]);
    y1 = Math.min(y1, b[1]);
    x2 = Math.max(x2, b[2]);
    y2 = Math.max(y2, b[3]);
  }
  return [x1, y1, x2, y2];
}
