/**
 * Dwell rules: a track's anchor stays in a zone — optionally standing still, optionally with
 * nobody near — for at least `minDurationMs`. One evaluator serves `zone_intrusion`,
 * `loitering`, `illegal_parking` and `abandoned_object`; they differ only in which
 * sub-conditions they add.
 */
import type {
  AbandonedObjectRule,
  IllegalParkingRule,
  LoiteringRule,
  Zone,
  ZoneIntrusionRule,
} from '../../contracts/config/rules.js';
import { distance, type Point, pointInPolygon } from '../geometry.js';
import {
  endEpisode,
  type FrameTrack,
  type Gate,
  type Latch,
  newGate,
  newLatch,
  observeLatch,
  passGate,
  type RuleFiring,
  type RuleFrame,
  TrackRuleEvaluator,
} from './types.js';

/** The dwell rules. */
export type DwellRule = ZoneIntrusionRule | LoiteringRule | IllegalParkingRule | AbandonedObjectRule;

/**
 * Stillness: a reference anchor that moves only after `inertiaFrames` consecutive frames
 * farther than the tolerance from it; `sinceMs` dates the current still spell.
 */
interface Stillness {
  ref: Point;
  sinceMs: number;
  moveStreak: number;
}

interface DwellState {
  inZone: Latch;
  still: Stillness | null;
  unattended: Latch | null;
  gate: Gate;
}

/** Feeds one anchor into a stillness tracker. */
export function observeStillness(
  s: Stillness,
  anchor: Point,
  toleranceNorm: number,
  nowMs: number,
  inertiaFrames: number,
): void {
  if (distance(anchor, s.ref) <= toleranceNorm) {
    s.moveStreak = 0;
    return;
  }
  s.moveStreak++;
  if (s.moveStreak >= inertiaFrames) {
    s.ref = anchor;
    s.sinceMs = nowMs;
    s.moveStreak = 0;
  }
}

/** Evaluates one dwell rule on one zone. */
export class DwellEvaluator extends TrackRuleEvaluator<DwellState> {
  private readonly owners: ReadonlySet<string>;
  private readonly maxMove: number | null;

  constructor(
    private readonly rule: DwellRule,
    private readonly zone: Zone,
  ) {
    super(rule);
    this.owners = new Set(rule.type === 'abandoned_object' ? rule.ownerClasses : []);
    this.maxMove =
      rule.type === 'illegal_parking' || rule.type === 'abandoned_object' ? rule.maxMoveBoxHeights : null;
  }

  update(frame: RuleFrame): RuleFiring[] {
    const out: RuleFiring[] = [];
    const owners = this.owners.size > 0 ? frame.tracks.filter((t) => this.owners.has(t.label)) : [];
    for (const t of frame.tracks) {
      if (!this.classes.has(t.label)) continue;
      const s = this.states.touch(t.trackId, frame.tsMs, () => this.initState(t, frame.tsMs));
      const sinceMs = this.observe(s, t, owners, frame.tsMs);
      if (sinceMs === null) {
        endEpisode(s.gate);
        continue;
      }
      const durationMs = frame.tsMs - sinceMs;
      if (durationMs >= this.rule.minDurationMs && passGate(s.gate, frame.tsMs, this.rule.cooldownMs)) {
        out.push(this.firing(t, frame.tsMs, durationMs, s));
      }
    }
    return out;
  }

  private initState(t: FrameTrack, nowMs: number): DwellState {
    return {
      inZone: newLatch(),
      still: this.maxMove === null ? null : { ref: t.anchor, sinceMs: nowMs, moveStreak: 0 },
      unattended: this.owners.size > 0 ? newLatch() : null,
      gate: newGate(),
    };
  }

  /** Updates the sub-conditions; returns when all of them have held since, or null. */
  private observe(s: DwellState, t: FrameTrack, owners: readonly FrameTrack[], nowMs: number): number | null {
    const k = this.rule.inertiaFrames;
    observeLatch(s.inZone, pointInPolygon(t.anchor[0], t.anchor[1], this.zone.polygon), nowMs, k);
    let since = s.inZone.sinceMs;
    if (s.still && this.maxMove !== null) {
      observeStillness(s.still, t.anchor, this.maxMove * t.heightNorm, nowMs, k);
      since = since === null ? null : Math.max(since, s.still.sinceMs);
    }
    if (s.unattended && this.rule.type === 'abandoned_object') {
      const radius = this.rule.ownerRadius;
      const near = owners.some((o) => o.trackId !== t.trackId && distance(o.anchor, t.anchor) <= radius);
      observeLatch(s.unattended, !near, nowMs, k);
      since = since === null || s.unattended.sinceMs === null ? null : Math.max(since, s.unattended.sinceMs);
    }
    return since;
  }

  private firing(t: FrameTrack, tsMs: number, durationMs: number, s: DwellState): RuleFiring {
    const details: Record<string, string | number> = {};
    if (s.still) details.stillSinceMs = s.still.sinceMs;
    return {
      rule: this.rule.id,
      type: this.rule.type,
      zone: this.zone.id,
      trackId: t.trackId,
      classId: t.classId,
      label: t.label,
      score: t.score,
      tsMs,
      durationMs,
      box: [t.box[0], t.box[1], t.box[2], t.box[3]],
      details,
    };
  }
}
