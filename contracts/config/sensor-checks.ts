/**
 * Cross-references of the sensor sections of city.yaml (contracts/config/sensors.ts) that the
 * schema alone cannot check: unique ids, known kinds, grids and gateways, rules that name a
 * metric of their kind and say what to watch. Pure.
 */
import type { CityConfig } from './city.js';
import type { ConfigProblem } from './load.js';
import type { OrgNode } from './org.js';
import type { SensorKind, SensorRule } from './sensors.js';

function checkRule(r: SensorRule, kind: SensorKind | undefined, path: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const metricKnown = (m: string) => !kind || kind.metrics.some((x) => x.metric === m);
  if (r.type === 'threshold' || r.type === 'rate') {
    if (!r.metric) out.push({ path: `${path}/metric`, message: `a ${r.type} rule needs a metric` });
    else if (!metricKnown(r.metric))
      out.push({ path: `${path}/metric`, message: `kind '${kind?.id}' has no metric '${r.metric}'` });
  }
  if (r.type === 'threshold') {
    if (r.above === undefined && r.below === undefined)
      out.push({ path, message: 'a threshold rule needs `above` or `below`' });
    if (r.above !== undefined && r.below !== undefined && r.below >= r.above)
      out.push({ path, message: '`below` must be under `above` when both are set' });
  }
  if (r.type === 'rate') {
    if (r.rise === undefined && r.fall === undefined)
      out.push({ path, message: 'a rate rule needs `rise` or `fall`' });
    if (r.withinMs <= 0) out.push({ path: `${path}/withinMs`, message: 'must be more than 0' });
  }
  if (r.type === 'silence' && r.afterMs < 1000)
    out.push({ path: `${path}/afterMs`, message: 'must be at least 1000 ms' });
  return out;
}

function checkKinds(
  c: CityConfig,
  ruleIds: Map<string, string>,
): { problems: ConfigProblem[]; kinds: Map<string, SensorKind> } {
  const problems: ConfigProblem[] = [];
  const kinds = new Map<string, SensorKind>();
  const alertRules = new Set(c.alerts.rules.map((r) => r.id));
  c.sensorKinds.forEach((k, i) => {
    const path = `/sensorKinds/${i}`;
    if (kinds.has(k.id))
      problems.push({ path: `${path}/id`, message: `sensor kind '${k.id}' appears twice` });
    kinds.set(k.id, k);
    const metrics = new Set<string>();
    k.metrics.forEach((m, j) => {
      if (metrics.has(m.metric))
        problems.push({ path: `${path}/metrics/${j}/metric`, message: `metric '${m.metric}' appears twice` });
      metrics.add(m.metric);
      if (m.min >= m.max)
        problems.push({ path: `${path}/metrics/${j}`, message: '`min` must be under `max`' });
    });
    k.rules.forEach((r, j) => {
      const rp = `${path}/rules/${j}`;
      const owner = ruleIds.get(r.id);
      if (owner !== undefined)
        problems.push({ path: `${rp}/id`, message: `rule id '${r.id}' is also used by ${owner}` });
      if (alertRules.has(r.id))
        problems.push({ path: `${rp}/id`, message: `rule id '${r.id}' is also an alert rule` });
      ruleIds.set(r.id, `sensor kind '${k.id}'`);
      problems.push(...checkRule(r, k, rp));
    });
  });
  return { problems, kinds };
}

export function checkSensors(c: CityConfig, orgs: ReadonlyMap<string, OrgNode>): ConfigProblem[] {
  const ruleIds = new Map<string, string>();
  const { problems, kinds } = checkKinds(c, ruleIds);
  const gateways = new Set(c.gateways.map((g) => g.id));
  const cameras = new Set(c.cameras.map((x) => x.id));
  const ids = new Set<string>();
  c.sensors.forEach((s, i) => {
    const path = `/sensors/${i}`;
    if (ids.has(s.id)) problems.push({ path: `${path}/id`, message: `sensor id '${s.id}' appears twice` });
    if (cameras.has(s.id))
      problems.push({ path: `${path}/id`, message: `sensor id '${s.id}' is also a camera id` });
    ids.add(s.id);
    const kind = kinds.get(s.kind);
    if (!kind) problems.push({ path: `${path}/kind`, message: `no sensor kind '${s.kind}' in /sensorKinds` });
    const grid = orgs.get(s.grid);
    if (!grid) problems.push({ path: `${path}/grid`, message: `no org '${s.grid}' in /orgs` });
    else if (grid.children.length > 0 && grid.kind !== 'grid')
      problems.push({
        path: `${path}/grid`,
        message: `org '${s.grid}' is a ${grid.kind} with children, not a grid`,
      });
    if (!gateways.has(s.gateway))
      problems.push({ path: `${path}/gateway`, message: `no gateway '${s.gateway}' in /gateways` });
    const own = new Set<string>();
    s.rules.forEach((r, j) => {
      const rp = `${path}/rules/${j}`;
      if (own.has(r.id))
        problems.push({ path: `${rp}/id`, message: `rule id '${r.id}' appears twice on this sensor` });
      own.add(r.id);
      const owner = ruleIds.get(r.id);
      // Same id as a rule of its own kind: an override. Any other clash would merge cooldowns.
      if (owner !== undefined && owner !== `sensor kind '${s.kind}'`)
        problems.push({ path: `${rp}/id`, message: `rule id '${r.id}' is also used by ${owner}` });
      problems.push(...checkRule(r, kind, rp));
    });
  });
  return problems;
}
