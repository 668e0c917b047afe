/**
 * Who may publish what (docs/architecture.md#contracts, docs/ingest.md: closed by default): the gateway and camera
 * directory built from city.yaml, topic checks, camera → grid/org path. Pure apart from the
 * bounded registry of cameras first seen under `--open`.
 */

import type { OrgTree, Placement } from '../contracts/org-tree.js';
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
  /**
   * city.yaml's API keys by id: on the embedded endpoint a key id and its key log in to
   * read the task topics of the grids in the key's jurisdiction (`xueliang tasks watch`).
   */
  readonly members: ReadonlyMap<string, { hash: string; org: string }>;
  private readonly cameras = new Map<string, CameraEntry>();
  private readonly configured: number;
  /** Cameras registered under --open (a per-key map: bounded, oldest evicted). */
  registered = 0;

  constructor(
    config: Readonly<CityConfig>,
    readonly open: boolean,
    private readonly orgs: OrgTree,
  ) {
    this.gateways = new Map(config.gateways.map((g) => [g.id, { passwordHash: g.passwordHash }]));
    this.members = new Map(config.api.keys.map((k) => [k.id, { hash: k.hash, org: k.org }]));
    for (const c of config.cameras) {
      this.cameras.set(c.id, {
        gateway: c.gateway,
        placement: orgs.placement(c.id),
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

  /** Whether grid `grid` lies in the subtree of org `org` (the org itself included). */
  inJurisdiction(grid: string, org: string): boolean {
    return this.orgs.within(grid, org);
  }
}

export type PublishVerdict =
  | { ok: true; topic: Extract<ParsedTopic, { kind: 'hits' | 'snapshot' | 'status' | 'sensors' }> }
  | { ok: false; reason: IngestReason; detail: string };

/**
 * May the client authenticated as `client` publish on `topic`? Gateways publish hits,
 * snapshots and status under their own prefix only; acks and grid topics are the central
 * tier's; sensor readings (docs/iot.md) go under the gateway's prefix too. `client` undefined: an unauthenticated client under --open (any gateway).
 */
export function checkPublish(topic: string, client: string | undefined): PublishVerdict {
  const t = parseTopic(topic);
  if (!t)
    return { ok: false, reason: 'INGEST_BAD_TOPIC', detail: `not a contract topic: ${topic.slice(0, 120)}` };
  if (t.kind !== 'hits' && t.kind !== 'snapshot' && t.kind !== 'status' && t.kind !== 'sensors') {
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

/**
 * May a client subscribe to `filter`? A gateway: its own ack and status topics. A member
 * (an API key's org): the task topic of a grid in its jurisdiction. Under --open: anything.
 */
export function checkSubscribe(
  filter: string,
  client: { gateway?: string; memberOrg?: string },
  dir: Pick<Directory, 'open' | 'inJurisdiction'>,
): boolean {
  if (dir.open) return true;
  if (client.gateway !== undefined) {
    const own = `xueliang/v1/gw/${client.gateway}/`;
    return filter === `${own}ack` || filter === `${own}status`;
  }
  if (client.memberOrg !== undefined) {
    const t = parseTopic(filter);
    return t?.kind === 'gridTasks' && dir.inJurisdiction(t.gridId, client.memberOrg);
  }
  return false;
}
