/**
 * `crowding`: at least `minCount` objects of the rule's classes inside the zone for at least
 * `minDurationMs`. A zone-level rule: it fires with `trackId: null`, once per episode (the
 * count dropping below `minCount` for `inertiaFrames` frames ends it) and with a cooldown.
 * Membership of each track is latched with inertia so a person on the border does not make
 * the count flicker.
 */
import type { CrowdingRule, Zone } from '../../contracts/config/rules.js';
import type { Box } from '../geometry.js';
import { pointInPolygon } from '../geometry.js';
import {
  endEpisode,
  type Latch,
  newGate,
  newLatch,
  observeLatch,
  passGate,
  type RuleFiring,
  type RuleFrame,
  TrackRuleEvaluator,
  unionBox,
} from './types.js';

/** Evaluates one crowding rule on one zone. */
export class CrowdingEvaluator extends TrackRuleEvaluator<Latch> {
  private readonly crowded = newLatch();
  private readonly gate = newGate();

  constructor(
    private readonly rule: CrowdingRule,
    private readonly zone: Zone,
  ) {
    super(rule);
  }

  update(frame: RuleFrame): RuleFiring[] {
    const k = this.rule.inertiaFrames;
    const boxes: Box[] = [];
    let scoreSum = 0;
    for (const t of frame.tracks) {
      if (!this.classes.has(t.label)) continue;
      const m = this.states.touch(t.trackId, frame.tsMs, newLatch);
      observeLatch(m, pointInPolygon(t.anchor[0], t.anchor[1], this.zone.polygon), frame.tsMs, k);
      if (m.on) {
        boxes.push(t.box);
        scoreSum += t.score;
      }
    }
    observeLatch(this.crowded, boxes.length >= this.rule.minCount, frame.tsMs, k);
    if (!this.crowded.on || this.crowded.sinceMs === null) {
      endEpisode(this.gate);
      return [];
    }
    const durationMs = frame.tsMs - this.crowded.sinceMs;
    if (durationMs < this.rule.minDurationMs || !passGate(this.gate, frame.tsMs, this.rule.cooldownMs))
      return [];
    return [
      {
        rule: this.rule.id,
        type: 'crowding',
        zone: this.zone.id,
        trackId: null,
        classId: null,
        label: this.rule.classes[0] ?? 'person',
        score: boxes.length > 0 ? scoreSum / boxes.length : 0,
        tsMs: frame.tsMs,
        durationMs,
        box: unionBox(boxes),
        details: { count: boxes.length },
      },
    ];
  }
}
