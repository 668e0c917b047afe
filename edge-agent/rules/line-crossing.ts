/**
 * `line_crossing`: counts tracks whose anchor passes through a directed segment and fires
 * per crossing (per track, with cooldown). A side change counts only after `inertiaFrames`
 * consecutive frames on the new side, and only when the path from the last anchor on the old
 * side to the current one actually cuts the *segment* (not its extension), so jitter on the
 * line and objects passing beyond its ends do not count.
 */
import type { Line, LineCrossingRule } from '../../contracts/config/rules.js';
import { type Point, segmentsIntersect, sideOfLine } from '../geometry.js';
import { type FrameTrack, type RuleFiring, type RuleFrame, TrackRuleEvaluator } from './types.js';

/** Crossing direction: `in` is from the left-hand to the right-hand side of from→to. */
export type CrossingDirection = 'in' | 'out';

/** Crossing totals of one rule since start. */
export interface LineCounts {
  in: number;
  out: number;
}

interface CrossState {
  /** Stable side: -1 left, +1 right, 0 not yet known. */
  side: -1 | 0 | 1;
  /** Last anchor seen on the stable side. */
  lastOnSide: Point;
  streak: number;
  lastFiredMs: number | null;
}

/** Evaluates one line-crossing rule. */
export class LineCrossingEvaluator extends TrackRuleEvaluator<CrossState> {
  private readonly totals: LineCounts = { in: 0, out: 0 };

  constructor(
    private readonly rule: LineCrossingRule,
    private readonly line: Line,
  ) {
    super(rule);
  }

  /** Crossings counted so far, in each direction. */
  get counts(): Readonly<LineCounts> {
    return { ...this.totals };
  }

  update(frame: RuleFrame): RuleFiring[] {
    const out: RuleFiring[] = [];
    for (const t of frame.tracks) {
      if (!this.classes.has(t.label)) continue;
      const s = this.states.touch(t.trackId, frame.tsMs, () => ({
        side: 0,
        lastOnSide: t.anchor,
        streak: 0,
        lastFiredMs: null,
      }));
      const dir = this.observe(s, t.anchor);
      if (dir === null) continue;
      this.totals[dir]++;
      if (this.rule.direction !== 'both' && this.rule.direction !== dir) continue;
      if (s.lastFiredMs !== null && frame.tsMs - s.lastFiredMs < this.rule.cooldownMs) continue;
      s.lastFiredMs = frame.tsMs;
      out.push(this.firing(t, frame.tsMs, dir));
    }
    return out;
  }

  /** Advances one track; returns the direction when a crossing completes. */
  private observe(s: CrossState, anchor: Point): CrossingDirection | null {
    const side = sideOfLine(anchor, this.line.from, this.line.to);
    if (side === 0) return null;
    if (s.side === 0 || side === s.side) {
      s.side = side;
      s.lastOnSide = anchor;
      s.streak = 0;
      return null;
    }
    s.streak++;
    if (s.streak < this.rule.inertiaFrames) return null;
    const from = s.side;
    const crossed = segmentsIntersect(s.lastOnSide, anchor, this.line.from, this.line.to);
    s.side = side;
    s.lastOnSide = anchor;
    s.streak = 0;
    if (!crossed) return null;
    return from < 0 ? 'in' : 'out';
  }

  private firing(t: FrameTrack, tsMs: number, direction: CrossingDirection): RuleFiring {
    return {
      rule: this.rule.id,
      type: 'line_crossing',
      zone: this.line.id,
      trackId: t.trackId,
      classId: t.classId,
      label: t.label,
      score: t.score,
      tsMs,
      durationMs: 0,
      box: [t.box[0], t.box[1], t.box[2], t.box[3]],
      details: { direction, countIn: this.totals.in, countOut: this.totals.out },
    };
  }
}
