/**
 * The city's org tree and cameras as lookups: a camera's placement (grid and org path from
 * the city down), an org's subtree, its district (the second level, the `district` column of
 * the hits key). Pure: built once from the validated city.yaml.
 */
import type { CityConfig } from '../contracts/config/index.js';
import { walkOrgs } from '../contracts/config/city-checks.js';
import type { Camera, OrgKind } from '../contracts/config/org.js';
import type { Placement } from './hit-rows.js';

export interface OrgInfo {
  id: string;
  name: string;
  kind: OrgKind;
  /** Org ids from the root down to this node, inclusive. */
  path: readonly string[];
}

/** Read-only lookups over the org tree and cameras of one city.yaml. */
export class OrgIndex {
  readonly orgs = new Map<string, OrgInfo>();
  readonly cameras = new Map<string, Camera & { placement: Placement }>();
  readonly roots: readonly string[];

  constructor(config: Pick<CityConfig, 'orgs' | 'cameras'>) {
    for (const { node, parents } of walkOrgs(config.orgs)) {
      this.orgs.set(node.id, { id: node.id, name: node.name, kind: node.kind, path: [...parents.map((p) => p.id), node.id] });
    }
    this.roots = config.orgs.map((o) => o.id);
    for (const cam of config.cameras) {
      const grid = this.orgs.get(cam.grid);
      this.cameras.set(cam.id, { ...cam, placement: { grid: cam.grid, orgPath: grid ? grid.path : [] } });
    }
  }

  placement(camera: string): Placement | undefined {
    return this.cameras.get(camera)?.placement;
  }

  /** True when `org` is `ancestor` or below it. */
  within(org: string, ancestor: string): boolean {
    return this.orgs.get(org)?.path.includes(ancestor) ?? false;
  }

  /** The district (second path element) an org lies in, or undefined for a root or an unknown org. */
  districtOf(org: string): string | undefined {
    return this.orgs.get(org)?.path[1];
  }

  /** Cameras placed in the subtree of `org`. */
  camerasUnder(org: string): Array<Camera & { placement: Placement }> {
    return [...this.cameras.values()].filter((c) => c.placement.orgPath.includes(org));
  }
}
