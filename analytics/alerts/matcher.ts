/**
 * The alert matcher: a stored hit → the alerts it raises (rules and case watches), each
 * with its cooldown key (source, camera, zone), priority and SLA. Pure; the task service
 * (analytics/tasks/service.ts) turns alerts into tasks.
 */
import type { AlertRule, AlertsSection, Priority, SlaLevels } from '../../contracts/config/alerts.js';
import type { Hit } from '../../contracts/hit.js';
import type { Placement } from '../../contracts/org-tree.js';
import { RuleSet } from './rules.js';
import { type Watch, WatchIndex } from './watches.js';

export type AlertSource =
  | { kind: 'rule'; ruleId: string }
  | { kind: 'watch'; watchId: string; caseId: string; caseOrg: string };

export interface Alert {
  hit: Hit;
  placement: Placement;
  source: AlertSource;
  /** `(source, camera, zone)`: hits with the same key within the cooldown update one task. */
  cooldownKey: string;
  cooldownMs: number;
  priority: Priority;
  slaMs: SlaLevels;
  title: string;
}

export interface MatcherOptions {
  alerts: Readonly<AlertsSection>;
  timezone: string;
  /** Camera id → grid and org path (from city.yaml). Hits from other cameras raise nothing. */
  placements: ReadonlyMap<string, Placement>;
  /** Sensor events: placed on the sensor's grid, and alerts from its rules (docs/iot.md; analytics/sensors/alerts.ts). */
  sensors?: { placement(id: string): Placement | undefined; match(hit: Hit, out: Alert[]): void };
}

export class AlertMatcher {
  readonly rules: RuleSet;
  readonly watches = new WatchIndex();
  /** Hits whose camera has no placement (cannot be routed to a grid). */
  unplaced = 0;
  private readonly ruleBuf: AlertRule[] = [];
  private readonly watchBuf: Watch[] = [];

  constructor(private readonly opts: MatcherOptions) {
    this.rules = new RuleSet(opts.alerts.rules, opts.timezone);
  }

  /** A sensor's grid and org path (sensor events are hits whose camera is the sensor). */
  sensorPlacement(id: string): Placement | undefined {
    return this.opts.sensors?.placement(id);
  }

  /** Alerts this hit raises, appended to `out`. */
  match(hit: Hit, out: Alert[] = []): Alert[] {
    const placement = this.opts.placements.get(hit.camera) ?? this.opts.sensors?.placement(hit.camera);
    if (!placement) {
      this.unplaced++;
      return out;
    }
    const zone = hit.zone ?? '';
    this.ruleBuf.length = 0;
    for (const r of this.rules.match(hit, placement.orgPath, this.ruleBuf)) {
      out.push({
        hit,
        placement,
        source: { kind: 'rule', ruleId: r.id },
        cooldownKey: `rule:${r.id}|${hit.camera}|${zone}`,
        cooldownMs: r.cooldownMs,
        priority: r.priority,
        slaMs: r.slaMs,
        title: r.title || r.id,
      });
    }
    this.opts.sensors?.match(hit, out);
    if (this.watches.size === 0) return out;
    this.watchBuf.length = 0;
    const w = this.opts.alerts.watches;
    for (const m of this.watches.match(hit, placement.orgPath, this.watchBuf)) {
      out.push({
        hit,
        placement,
        source: { kind: 'watch', watchId: m.id, caseId: m.caseId, caseOrg: m.caseOrg },
        cooldownKey: `watch:${m.id}|${hit.camera}|${zone}`,
        cooldownMs: w.cooldownMs,
        priority: w.priority,
        slaMs: w.slaMs,
        title:
          m.kind === 'plate'
            ? `case ${m.caseId}: plate ${m.pattern}`
            : `case ${m.caseId}: ${m.upper ?? 'any'} / ${m.lower ?? 'any'} clothing`,
      });
    }
    return out;
  }
}
