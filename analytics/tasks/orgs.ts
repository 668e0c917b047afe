/**
 * The org tree as the task service needs it: a camera's placement, an org's kind and path.
 * Pure; built once from the validated city.yaml. (analytics/org-index.ts, once committed,
 * offers the same lookups for the API; this one stays small on purpose.)
 */
import { walkOrgs } from '../../contracts/config/city-checks.js';
import type { Camera, OrgKind, OrgNode } from '../../contracts/config/org.js';
import type { Placement } from '../hit-rows.js';

export class OrgTree {
  private readonly kinds = new Map<string, OrgKind>();
  private readonly paths = new Map<string, readonly string[]>();
  readonly placements = new Map<string, Placement>();

  constructor(orgs: readonly OrgNode[], cameras: readonly Camera[]) {
    for (const { node, parents } of walkOrgs(orgs)) {
      this.kinds.set(node.id, node.kind);
      this.paths.set(node.id, [...parents.map((p) => p.id), node.id]);
    }
    for (const c of cameras) {
      const path = this.paths.get(c.grid);
      if (path) this.placements.set(c.id, { grid: c.grid, orgPath: path });
    }
  }

  kind(org: string): OrgKind | undefined {
    return this.kinds.get(org);
  }

  /** Org ids from the root down to `org`, inclusive; empty when unknown. */
  path(org: string): readonly string[] {
    return this.paths.get(org) ?? [];
  }

  has(org: string): boolean {
    return this.kinds.has(org);
  }

  /** True when `org` is `ancestor` or lies below it. */
  within(org: string, ancestor: string): boolean {
    return this.path(org).includes(ancestor);
  }
}
