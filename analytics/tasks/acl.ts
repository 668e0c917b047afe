/**
 * Who may read which task topic (docs/alerts.md): grid members' apps subscribe with their own
 * credentials and may read only their grid's topic. Pure; for the MQTT endpoint's
 * authorizeSubscribe (ingest/endpoint.ts) or a Mosquitto ACL generator: a principal whose org
 * is X may subscribe to `xueliang/v1/grid/{Y}/tasks` for Y in X's subtree (a grid member:
 * their own grid; a town admin: the town and everything under it). Wildcards are refused
 * unless the principal's org is a root (the whole city).
 */
import { parseTopic } from '../../contracts/topics.js';
import type { OrgTree } from '../../contracts/org-tree.js';

export function mayReadTaskTopic(orgs: OrgTree, principalOrg: string, filter: string): boolean {
  if (!orgs.has(principalOrg)) return false;
  if (filter.includes('+') || filter.includes('#')) {
    return orgs.path(principalOrg).length === 1 && /^xueliang\/v1\/grid\/(\+|#)(\/tasks)?$/.test(filter);
  }
  const t = parseTopic(filter);
  return t?.kind === 'gridTasks' && orgs.within(t.gridId, principalOrg);
}
