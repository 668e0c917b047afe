/**
 * Alert rules from city.yaml, compiled for matching (docs/alerts.md). A rule matches a hit when
 * every condition holds: kind, type, label, zone, org subtree of the camera, local time of
 * day, minimum score. Rules are bucketed by type so a hit meets only the rules that could
 * match it. Pure.
 */
import type { AlertRule } from '../../contracts/config/alerts.js';
import type { Hit } from '../../contracts/hit.js';
import { inDailyWindow, LocalClock, parseHhmm } from './clock.js';

interface Compiled {
  rule: AlertRule;
  kinds: ReadonlySet<string> | null;
  labels: ReadonlySet<string> | null;
  zones: ReadonlySet<string> | null;
  orgs: readonly string[];
  fromMin: number;
  toMin: number;
  allDay: boolean;
}

const setOrNull = (xs: readonly string[]) => (xs.length ? new Set(xs) : null);

/** The reference predicate for one rule (the bucketed set must agree with it). */
export function ruleMatches(
  rule: AlertRule,
  hit: Hit,
  orgPath: readonly string[],
  clock: LocalClock,
): boolean {
  const m = rule.match;
  if (!rule.enabled) return false;
  if (m.kinds.length && !m.kinds.includes(hit.kind)) return false;
  if (m.types.length && !m.types.includes(hit.type)) return false;
  if (m.labels.length && !m.labels.includes(hit.label)) return false;
  if (m.zones.length && !(hit.zone && m.zones.includes(hit.zone))) return false;
  if (m.orgs.length && !m.orgs.some((o) => orgPath.includes(o))) return false;
  if (hit.score < m.minScore) return false;
  const from = parseHhmm(m.hours.from);
  const to = parseHhmm(m.hours.to);
  return inDailyWindow(clock.minuteOfDay(hit.tsMs), from, to);
}

export class RuleSet {
  private readonly byType = new Map<string, Compiled[]>();
  private readonly anyType: Compiled[] = [];
  readonly clock: LocalClock;
  readonly size: number;

  constructor(rules: readonly AlertRule[], timezone: string) {
    this.clock = new LocalClock(timezone);
    let n = 0;
    for (const rule of rules) {
      if (!rule.enabled) continue;
      n++;
      const fromMin = parseHhmm(rule.match.hours.from);
      const toMin = parseHhmm(rule.match.hours.to);
      const c: Compiled = {
        rule,
        kinds: setOrNull(rule.match.kinds),
        labels: setOrNull(rule.match.labels),
        zones: setOrNull(rule.match.zones),
        orgs: rule.match.orgs,
        fromMin,
        toMin,
        allDay: (fromMin === 0 && toMin === 1440) || (fromMin === 0 && toMin === 0),
      };
      if (rule.match.types.length === 0) this.anyType.push(c);
      for (const t of rule.match.types) {
        const b = this.byType.get(t) ?? [];
        if (b.length === 0) this.byType.set(t, b);
        b.push(c);
      }
    }
    this.size = n;
  }

  /** Rules this hit matches, appended to `out`. */
  match(hit: Hit, orgPath: readonly string[], out: AlertRule[] = []): AlertRule[] {
    const typed = this.byType.get(hit.type);
    if (typed) for (const c of typed) if (this.test(c, hit, orgPath)) out.push(c.rule);
    for (const c of this.anyType) if (this.test(c, hit, orgPath)) out.push(c.rule);
    return out;
  }

  private test(c: Compiled, hit: Hit, orgPath: readonly string[]): boolean {
    if (hit.score < c.rule.match.minScore) return false;
    if (c.kinds && !c.kinds.has(hit.kind)) return false;
    if (c.labels && !c.labels.has(hit.label)) return false;
    if (c.zones && !(hit.zone && c.zones.has(hit.zone))) return false;
    if (c.orgs.length && !c.orgs.some((o) => orgPath.includes(o))) return false;
    return c.allDay || inDailyWindow(this.clock.minuteOfDay(hit.tsMs), c.fromMin, c.toMin);
  }
}
