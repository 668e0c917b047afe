/**
 * `wrong_way`: a track inside the zone moves against the zone's direction vector for at least
 * `minFrames` consecutive frames. Motion is the anchor's displacement over the last few
 * frames (a short bounded history), so single-frame jitter neither counts as motion nor
 * breaks a streak on its own; slower than `minSpeedBoxHeights` per second is not motion.
 */
import type { WrongWayRule, Zone } from '../../contracts/config/rules.js';
import { pointInPolygon } from '../geometry.js';
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

/** Anchors kept per track for the motion estimate (bounded memory). */
const HISTORY = 5;

interface WrongWayState {
  inZone: Latch;
  /** Ring of recent anchors: x, y, tsMs. */
  xs: number[];
  ys: number[];
  ts: number[];
  againstFrames: number;
  againstSinceMs: number;
  gate: Gate;
}

/** Evaluates one wrong-way rule on one zone (the zone must have a direction). */
export class WrongWayEvaluator extends TrackRuleEvaluator<WrongWayState> {
  /** Unit vector of the *forbidden* direction (the zone direction reversed). */
  private readonly against: readonly [number, number];
  private readonly cosMax: number;

  constructor(
    private readonly rule: WrongWayRule,
    private readonly zone: Zone,
  ) {
    super(rule);
    const d = zone.direction ?? [0, 0];
    const n = Math.hypot(d[0], d[1]) || 1;
    this.against = [-d[0] / n, -d[1] / n];
    this.cosMax = Math.cos((rule.maxAngleDeg * Math.PI) / 180);
  }

  update(frame: RuleFrame): RuleFiring[] {
    const out: RuleFiring[] = [];
    for (const t of frame.tracks) {
      if (!this.classes.has(t.label)) continue;
      const s = this.states.touch(t.trackId, frame.tsMs, () => ({
        inZone: newLatch(),
        xs: [],
        ys: [],
        ts: [],
        againstFrames: 0,
        againstSinceMs: frame.tsMs,
        gate: newGate(),
      }));
      observeLatch(
        s.inZone,
        pointInPolygon(t.anchor[0], t.anchor[1], this.zone.polygon),
        frame.tsMs,
        this.rule.inertiaFrames,
      );
      // Always feed the motion history, so motion is known on the frame the zone latches.
      const moving = this.movingAgainst(s, t, frame.tsMs);
      const against = s.inZone.on && moving;
      if (!against) {
        s.againstFrames = 0;
        endEpisode(s.gate);
        continue;
      }
      if (s.againstFrames === 0) s.againstSinceMs = frame.tsMs;
      s.againstFrames++;
      if (s.againstFrames >= this.rule.minFrames && passGate(s.gate, frame.tsMs, this.rule.cooldownMs)) {
        out.push(this.firing(t, frame.tsMs, s));
      }
    }
    return out;
  }

  /** Pushes the anchor into the history; true when the motion over it is against the zone. */
  private movingAgainst(s: WrongWayState, t: FrameTrack, nowMs: number): boolean {
    s.xs.push(t.anchor[0]);
    s.ys.push(t.anchor[1]);
    s.ts.push(nowMs);
    if (s.xs.length > HISTORY) {
      s.xs.shift();
      s.ys.shift();
      s.ts.shift();
    }
    const dtS = (nowMs - s.ts[0]!) / 1000;
    if (dtS <= 0 || t.heightNorm <= 0) return false;
    const dx = t.anchor[0] - s.xs[0]!;
    const dy = t.anchor[1] - s.ys[0]!;
    const len = Math.hypot(dx, dy);
    if (len / t.heightNorm / dtS < this.rule.minSpeedBoxHeights) return false;
    return (dx * this.against[0] + dy * this.against[1]) / len >= this.cosMax;
  }

  private firing(t: FrameTrack, tsMs: number, s: WrongWayState): RuleFiring {
    return {
      rule: this.rule.id,
      type: 'wrong_way',
      zone: this.zone.id,
      trackId: t.trackId,
      classId: t.classId,
      label: t.label,
      score: t.score,
      tsMs,
      durationMs: tsMs - s.againstSinceMs,
      box: [t.box[0], t.box[1], t.box[2], t.box[3]],
      details: { frames: s.againstFrames },
    };
  }
}
