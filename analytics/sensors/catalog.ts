/**
 * The sensors of city.yaml as every tier looks them up (docs/iot.md): kind, metrics with
 * their units and plausible range, grid and org path, position, owning gateway, and the
 * effective rules (the kind's, with the sensor's own replacing those of the same id). Pure;
 * built once from the validated config. Under `--open` unknown sensors are registered on first
 * sight (bounded: the oldest registered is forgotten past OPEN_SENSORS_MAX).
 */
import { walkOrgs } from '../../contracts/config/city-checks.js';
import type { CityConfig } from '../../contracts/config/index.js';
import type { SensorMetric, SensorRule } from '../../contracts/config/sensors.js';
import type { Placement } from '../hit-rows.js';

export interface SensorInfo {
  id: string;
  name: string;
  kind: string;
  gateway: string;
  /** Undefined for a sensor registered under --open (no grid: no tasks). */
  placement: Placement | undefined;
  lat: number;
  lon: number;
  /** Metric → its unit and range; empty for a sensor registered under --open (anything goes). */
  metrics: ReadonlyMap<string, SensorMetric>;
  rules: readonly SensorRule[];
  retention: { rawDays: number; minuteDays: number; hourDays: number };
  /** Registered under --open rather than configured. */
  open: boolean;
}

export const OPEN_SENSORS_MAX = 100_000;
const OPEN_RETENTION = Object.freeze({ rawDays: 30, minuteDays: 90, hourDays: 730 });

export class SensorCatalog {
  private readonly sensors = new Map<string, SensorInfo>();
  private readonly configured: number;
  registered = 0;

  constructor(
    config: Pick<Readonly<CityConfig>, 'orgs' | 'sensors' | 'sensorKinds'>,
    readonly open = false,
  ) {
    const paths = new Map<string, string[]>();
    for (const { node, parents } of walkOrgs(config.orgs))
      paths.set(node.id, [...parents.map((p) => p.id), node.id]);
    const kinds = new Map(config.sensorKinds.map((k) => [k.id, k]));
    for (const s of config.sensors) {
      const k = kinds.get(s.kind);
      const own = new Set(s.rules.map((r) => r.id));
      const path = paths.get(s.grid);
      this.sensors.set(s.id, {
        id: s.id,
        name: s.name,
        kind: s.kind,
        gateway: s.gateway,
        placement: path ? { grid: s.grid, orgPath: path } : undefined,
        lat: s.lat,
        lon: s.lon,
        metrics: new Map((k?.metrics ?? []).map((m) => [m.metric, m])),
        rules: [...(k?.rules ?? []).filter((r) => !own.has(r.id)), ...s.rules],
        retention: {
          rawDays: k?.rawDays ?? OPEN_RETENTION.rawDays,
          minuteDays: k?.minuteDays ?? OPEN_RETENTION.minuteDays,
          hourDays: k?.hourDays ?? OPEN_RETENTION.hourDays,
        },
        open: false,
      });
    }
    this.configured = this.sensors.size;
  }

  get size(): number {
    return this.sensors.size;
  }

  get(id: string): SensorInfo | undefined {
    return this.sensors.get(id);
  }

  /** Configured sensors (and those registered under --open), in insertion order. */
  all(): IterableIterator<SensorInfo> {
    return this.sensors.values();
  }

  /**
   * The sensor a gateway may report for, or why not: unknown, or another gateway's (both
   * refused unless --open, which registers unknown sensors on first sight).
   */
  forGateway(id: string, gateway: string): SensorInfo | 'INGEST_UNKNOWN_SENSOR' {
    const s = this.sensors.get(id);
    if (s) return s.gateway === gateway || this.open ? s : 'INGEST_UNKNOWN_SENSOR';
    if (!this.open) return 'INGEST_UNKNOWN_SENSOR';
    if (this.sensors.size >= this.configured + OPEN_SENSORS_MAX) {
      let k = 0;
      for (const key of this.sensors.keys()) {
        if (k++ >= this.configured) {
          this.sensors.delete(key);
          break;
        }
      }
    }
    const info: SensorInfo = {
      id,
      name: '',
      kind: '',
      gateway,
      placement: undefined,
      lat: 0,
      lon: 0,
      metrics: new Map(),
      rules: [],
      retention: OPEN_RETENTION,
      open: true,
    };
    this.sensors.set(id, info);
    this.registered++;
    return info;
  }
}
