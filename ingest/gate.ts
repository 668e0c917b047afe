/**
 * Who may publish what (DESIGN §3, issue 5 "closed by default"): the gateway and camera
 * directory built from city.yaml, topic checks, camera → grid/org path. Pure apart from the
 * bounded registry of cameras first seen under `--open`.
 */

import type { Placement } from '../analytics/hit-rows.js';
import { walkOrgs } from '../contracts/config/city-checks.js';
import type { CityConfig } from '../contracts/config/index.js';
import { type ParsedTopic, parseTopic } from '../contracts/topics.js';
import type { IngestReason } from './reasons.js';

export interface CameraEntry {
  gateway: string;
  placement: Placement | undefined;
}

/** Cameras registered on first sight under --open; beyond this the oldest are forgotten. */
export const OPEN_CAMERAS_MAX = 100_000;

export class Directory {
  readonly gateways: ReadonlyMap<string, { passwordHash: string }>;
  private readonly cameras = new Map<string, CameraEntry>();
  private readonly configured: number;
  /** Cameras registered under --open (a per-key map: bounded, oldest evicted). */
  registered = 0;

  constructor(
    config: Readonly<CityConfig>,
    readonly open: boolean,
  ) {
    const paths = new Map<string, string[]>();
    for (const { node, parents } of walkOrgs(config.orgs))
      paths.set(node.id, [...parents.map((p) => p.id), node.id]);
    this.gateways = new Map(config.gateways.map((g) => [g.id, { passwordHash: g.passwordHash }]));
    for (const c of config.cameras) {
      this.cameras.set(c.id, {
        gateway: c.gateway,
        placement: { grid: c.grid, orgPath: paths.get(c.grid) ?? [c.grid] },
      });
    }
    this.configured = this.cameras.size;
  }

  /** Camera entry for a hit from `gateway`, or the reason it is refused. Registers under --open. */
  camera(camera: string, gateway: string): CameraEntry | IngestReason {
    const c = this.cameras.get(camera);
    if (c) return c.gateway === gateway || this.open ? c : 'INGEST_UNKNOWN_CAMERA';
    if (!this.open) return 'INGEST_UNKNOWN_CAMERA';
    if (this.cameras.size >= this.configured + OPEN_CAMERAS_MAX) {
      // Map iteration is insertion order: configured cameras come first, so skip them.
      let k = 0;
      for (const key of this.cameras.keys()) {
        if (k++ >= this.configured) {
          this.cameras.delete(key);
          break;
        }
      }
    }
    const entry: CameraEntry = { gateway, placement: undefined };
    this.cameras.set(camera, entry);
    this.registered++;
    return entry;
  }

  knowsGateway(gateway: string): boolean {
    return this.open || this.gateways.has(gateway);
  }
}

export type PublishVerdict =
  | { ok: true; topic: Extract<ParsedTopic, { kind: 'hits' | 'snapshot' | 'status' }> }
  | { ok: false; reason: IngestReason; detail: string };

/**
 * May the client authenticated as `client` publish on `topic`? Gateways publish hits,
 * snapshots and status under their own prefix only; acks and grid topics are the central
 * tier's. `client` undefined: an unauthenticated client under --open (any gateway).
 */
export function checkPublish(topic: string, client: string | undefined): PublishVerdict {
  const t = parseTopic(topic);
  if (!t)
    return { ok: false, reason: 'INGEST_BAD_TOPIC', detail: `not a contract topic: ${topic.slice(0, 120)}` };
  if (t.kind !== 'hits' && t.kind !== 'snapshot' && t.kind !== 'status') {
    return { ok: false, reason: 'INGEST_BAD_TOPIC', detail: `gateways may not publish ${t.kind} topics` };
  }
  if (client !== undefined && t.gateway !== client) {
    return {
      ok: false,
      reason: 'INGEST_OUTSIDE_PREFIX',
      detail: `gateway ${client} published under ${t.gateway}`,
    };
  }
  return { ok: true, topic: t };
}

/** May `client` subscribe to `filter`? Its own ack/status topics; anything under --open. */
export function checkSubscribe(filter: string, client: string | undefined, open: boolean): boolean {
  if (open) return true;
  if (client === undefined) return false;
  const own = `xueliang/v1/gw/${client}/`;
  return filter === `${own}ack` || filter === `${own}status`;
}
