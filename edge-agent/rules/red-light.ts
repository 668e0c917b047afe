/**
 * `red_light` (docs/iot.md): a directed line crossing (the line-crossing evaluator's logic,
 * edge-agent/rules/line-crossing.ts) that fires only when the signal controller showed red for
 * the rule's approach at the frame's time. Phases come from {@link SignalPhases}, fed by the
 * controller's MQTT topic (edge-agent/signals.ts). An unknown or stale phase fires nothing: no
 * red_light on a guess. Pure.
 */
import type { LineCrossingRule, Line, RedLightRule } from '../../contracts/config/rules.js';
import type { Phase, SignalPhase } from '../../contracts/signal.js';
import { LineCrossingEvaluator } from './line-crossing.js';
import type { RuleEvaluator, RuleFiring, RuleFrame } from './types.js';

/** Phase messages kept per controller (frames lag the phase stream by a little). */
const HISTORY = 16;

/** What the red_light rules ask: the phase of an approach at a time. */
export interface PhaseSource {
  phaseAt(controller: string, approach: string, tsMs: number, maxAgeMs: number): Phase | 'unknown';
}

/**
 * The newest phase messages of the controllers a gateway's rules name (others are ignored:
 * the map is bounded by the config), in time order.
 */
export class SignalPhases implements PhaseSource {
  private readonly byController = new Map<string, SignalPhase[]>();

  constructor(controllers: Iterable<string>) {
    for (const c of controllers) this.byController.set(c, []);
  }

  /** Takes a message; returns false when it is for another controller or older than the newest kept. */
  update(m: SignalPhase): boolean {
    const h = this.byController.get(m.controller);
    if (!h) return false;
    const last = h[h.length - 1];
    if (last && m.tsMs < last.tsMs) return false;
    h.push(m);
    if (h.length > HISTORY) h.shift();
    return true;
  }

  phaseAt(controller: string, approach: string, tsMs: number, maxAgeMs: number): Phase | 'unknown' {
    const h = this.byController.get(controller) ?? [];
    for (let i = h.length - 1; i >= 0; i--) {
      const m = h[i]!;
      if (m.tsMs > tsMs) continue;
      if (tsMs - m.tsMs > maxAgeMs) return 'unknown';
      return m.approaches[approach] ?? 'unknown';
    }
    return 'unknown';
  }
}

export class RedLightEvaluator implements RuleEvaluator {
  private readonly crossing: LineCrossingEvaluator;
  readonly ruleId: string;

  constructor(
    private readonly rule: RedLightRule,
    line: Line,
    private readonly phases: PhaseSource,
  ) {
    const asCrossing: LineCrossingRule = {
      id: rule.id,
      type: 'line_crossing',
      enabled: rule.enabled,
      classes: rule.classes,
      cooldownMs: rule.cooldownMs,
      inertiaFrames: rule.inertiaFrames,
      line: rule.line,
      direction: rule.direction,
    };
    this.crossing = new LineCrossingEvaluator(asCrossing, line);
    this.ruleId = rule.id;
  }

  update(frame: RuleFrame): RuleFiring[] {
    const r = this.rule;
    const out: RuleFiring[] = [];
    for (const f of this.crossing.update(frame)) {
      const phase = this.phases.phaseAt(r.controller, r.approach, f.tsMs, r.maxPhaseAgeMs);
      if (phase !== 'red') continue;
      out.push({
        ...f,
        type: 'red_light',
        details: { ...f.details, controller: r.controller, approach: r.approach, phase },
      });
    }
    return out;
  }

  evict(trackId: number): void {
    this.crossing.evict(trackId);
  }

  evictStale(nowMs: number, staleMs: number): void {
    this.crossing.evictStale(nowMs, staleMs);
  }

  get size(): number {
    return this.crossing.size;
  }
}
