/**
 * Sensor events → alerts (docs/iot.md), for the alert matcher (analytics/alerts/matcher.ts):
 * an event hit derived by a sensor rule (its `rule` column names the rule) or a device alarm
 * covered by an `alarm` rule of the sensor raises an alert for the sensor's grid, with the
 * rule's cooldown, priority and SLA. The task chain after that is the cameras' one. Pure.
 */
import type { Hit } from '../../contracts/hit.js';
import { SENSOR_ALARMS } from '../../contracts/vocabulary.js';
import type { Alert } from '../alerts/matcher.js';
import type { Placement } from '../hit-rows.js';
import type { SensorCatalog } from './catalog.js';

const ALARMS: ReadonlySet<string> = new Set(SENSOR_ALARMS);

export class SensorAlerts {
  constructor(private readonly catalog: SensorCatalog) {}

  /** The grid and org path of a sensor, when `id` is one with a grid. */
  placement(id: string): Placement | undefined {
    return this.catalog.get(id)?.placement;
  }

  /** Alerts a sensor event raises, appended to `out`. */
  match(hit: Hit, out: Alert[]): Alert[] {
    if (hit.kind !== 'event') return out;
    const s = this.catalog.get(hit.camera);
    if (!s?.placement) return out;
    for (const r of s.rules) {
      const derived = hit.rule !== null && hit.rule !== undefined && hit.rule === r.id && r.type !== 'alarm';
      const alarm =
        r.type === 'alarm' &&
        ALARMS.has(hit.type) &&
        !hit.rule &&
        (r.alarms.length === 0 || r.alarms.includes(hit.type as never));
      if (!derived && !alarm) continue;
      out.push({
        hit,
        placement: s.placement,
        source: { kind: 'rule', ruleId: r.id },
        cooldownKey: `rule:${r.id}|${s.id}|`,
        cooldownMs: r.cooldownMs,
        priority: r.priority,
        slaMs: r.slaMs,
        title: r.title || `${r.id}: ${s.name || s.id}`,
      });
    }
    return out;
  }
}
