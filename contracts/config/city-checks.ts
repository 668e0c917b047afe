/** Cross-references in city.yaml that the schema alone cannot check. */
import { checkAlerts } from './alerts.js';
import type { ConfigProblem } from './load.js';
import type { CityConfig } from './city.js';
import type { OrgNode } from './org.js';
import { checkSensors } from './sensor-checks.js';

export function* walkOrgs(
  nodes: readonly OrgNode[],
  parents: OrgNode[] = [],
): Generator<{ node: OrgNode; parents: OrgNode[] }> {
  for (const node of nodes) {
    yield { node, parents };
    yield* walkOrgs(node.children, [...parents, node]);
  }
}

export function checkCity(c: CityConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // Every principal, camera and task lives in the org tree: without one, even the admin key
  // that `up` prints is refused on every call.
  if (c.orgs.length === 0)
    problems.push({
      path: '/orgs',
      message:
        'the city has no org tree: give /orgs at least the city node (with its counties, towns and grids below it, as in deploy/city.yaml)',
    });
  const orgs = new Map<string, OrgNode>();
  for (const { node } of walkOrgs(c.orgs)) {
    if (orgs.has(node.id)) problems.push({ path: '/orgs', message: `org id '${node.id}' appears twice` });
    orgs.set(node.id, node);
  }
  const gateways = new Set<string>();
  c.gateways.forEach((g, k) => {
    if (gateways.has(g.id))
      problems.push({ path: `/gateways/${k}/id`, message: `gateway id '${g.id}' appears twice` });
    gateways.add(g.id);
  });
  const cams = new Set<string>();
  c.cameras.forEach((cam, k) => {
    if (cams.has(cam.id))
      problems.push({ path: `/cameras/${k}/id`, message: `camera id '${cam.id}' appears twice` });
    cams.add(cam.id);
    const grid = orgs.get(cam.grid);
    if (!grid) problems.push({ path: `/cameras/${k}/grid`, message: `no org '${cam.grid}' in /orgs` });
    else if (grid.children.length > 0 && grid.kind !== 'grid') {
      problems.push({
        path: `/cameras/${k}/grid`,
        message: `org '${cam.grid}' is a ${grid.kind} with children, not a grid`,
      });
    }
    if (!gateways.has(cam.gateway))
      problems.push({ path: `/cameras/${k}/gateway`, message: `no gateway '${cam.gateway}' in /gateways` });
  });
  c.api.keys.forEach((key, k) => {
    if (!orgs.has(key.org))
      problems.push({ path: `/api/keys/${k}/org`, message: `no org '${key.org}' in /orgs` });
  });
  if (c.retention.snapshotsDays > c.retention.hitsDays)
    problems.push({
      path: '/retention/snapshotsDays',
      message: `snapshots (${c.retention.snapshotsDays} days) would outlive the hits that name them (${c.retention.hitsDays} days): docs/privacy.md`,
    });
  problems.push(...checkAlerts(c.alerts, new Set(orgs.keys())));
  problems.push(...checkSensors(c, orgs));
  return problems;
}
