/**
 * The city's org tree and cameras as lookups, built once from the validated city.yaml and
 * handed to every part that needs it (ingest's gate, the alert engine, the API): a camera's
 * placement (its grid and the org path from the city down), an org's kind, path, subtree and
 * district (the second level, the `district` column of the hits key). Pure.
 *
 * One rule for unknown grids (docs/architecture.md#org-tree): a camera whose grid is not in the
 * tree has no placement — like a camera first seen under `--open`. The config check
 * (contracts/config/city-checks.ts) refuses such a camera, so with a validated config every
 * configured camera is placed.
 */
import { walkOrgs } from './config/city-checks.js';
import type { CityConfig } from './config/index.js';
import type { Camera, OrgKind } from './config/org.js';

/** Where a camera sits: its grid and the org ids from the city down to that grid. */
export interface Placement {
  grid: string;
  /** Org ids from the city down to the grid. */
  orgPath: readonly string[];
}

export interface OrgInfo {
  id: string;
  name: string;
  kind: OrgKind;
  /** Org ids from the root down to this node, inclusive. */
  path: readonly string[];
}

export type PlacedCamera = Camera & { placement: Placement };

export class OrgTree {
  readonly orgs = new Map<string, OrgInfo>();
  /** Configured cameras whose grid is in the tree, with their placement. */
  readonly cameras = new Map<string, PlacedCamera>();
  /** Camera id → placement (the same placements as `cameras`). */
  readonly placements = new Map<string, Placement>();
  readonly roots: readonly string[];

  constructor(config: Pick<CityConfig, 'orgs' | 'cameras'>) {
    for (const { node, parents } of walkOrgs(config.orgs)) {
      this.orgs.set(node.id, {
        id: node.id,
        name: node.name,
        kind: node.kind,
        path: [...parents.map((p) => p.id), node.id],
      });
    }
    this.roots = config.orgs.map((o) => o.id);
    for (const cam of config.cameras) {
      const grid = this.orgs.get(cam.grid);
      if (!grid) continue;
      const placement: Placement = { grid: cam.grid, orgPath: grid.path };
      this.cameras.set(cam.id, { ...cam, placement });
      this.placements.set(cam.id, placement);
    }
  }

  placement(camera: string): Placement | undefined {
    return this.placements.get(camera);
  }

  has(org: string): boolean {
    return this.orgs.has(org);
  }

  kind(org: string): OrgKind | undefined {
    return this.orgs.get(org)?.kind;
  }

  /** Org ids from the root down to `org`, inclusive; empty when unknown. */
  path(org: string): readonly string[] {
    return this.orgs.get(org)?.path ?? [];
  }

  /** True when `org` is `ancestor` or lies below it (false for an unknown org). */
  within(org: string, ancestor: string): boolean {
    return this.orgs.get(org)?.path.includes(ancestor) ?? false;
  }

  /** The district (second path element) an org lies in, or undefined for a root or an unknown org. */
  districtOf(org: string): string | undefined {
    return this.orgs.get(org)?.path[1];
  }

  /** Cameras placed in the subtree of `org`. */
  camerasUnder(org: string): PlacedCamera[] {
    return [...this.cameras.values()].filter((c) => c.placement.orgPath.includes(org));
  }
}
