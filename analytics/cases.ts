/**
 * Cases (docs/architecture.md#api, #privacy): sensitive searches (plates, routes, persons) name an open case in the
 * caller's jurisdiction. A case is stored as versions (ReplacingMergeTree); closing writes a new
 * version. The caller passes the time.
 */
import { ulid } from 'ulid';
import { XlError } from '../contracts/errors.js';
import { sql } from './sql.js';
import type { Store } from './store.js';

export type CaseStatus = 'open' | 'closed';

export interface Case {
  id: string;
  org: string;
  title: string;
  kind: string;
  status: CaseStatus;
  createdBy: string;
  createdMs: number;
  closedBy: string;
  closedMs: number;
  version: number;
}

interface CaseRow {
  id: string;
  org: string;
  title: string;
  kind: string;
  status: string;
  created_by: string;
  created_ms: string | number;
  closed_by: string;
  closed_ms: string | number;
  version: string | number;
}

const fromRow = (r: CaseRow): Case => ({
  id: r.id,
  org: r.org,
  title: r.title,
  kind: r.kind,
  status: r.status === 'closed' ? 'closed' : 'open',
  createdBy: r.created_by,
  createdMs: Number(r.created_ms),
  closedBy: r.closed_by,
  closedMs: Number(r.closed_ms),
  version: Number(r.version),
});

function toRow(c: Case) {
  return {
    id: c.id,
    org: c.org,
    title: c.title,
    kind: c.kind,
    status: c.status,
    created_by: c.createdBy,
    created_at: c.createdMs,
    closed_by: c.closedBy,
    closed_at: c.closedMs,
    version: c.version,
  };
}

export async function createCase(
  store: Store,
  c: { org: string; title: string; kind: string; createdBy: string; nowMs: number },
): Promise<Case> {
  const rec: Case = {
    id: ulid(c.nowMs),
    org: c.org,
    title: c.title,
    kind: c.kind,
    status: 'open',
    createdBy: c.createdBy,
    createdMs: c.nowMs,
    closedBy: '',
    closedMs: 0,
    version: 1,
  };
  await store.insert('cases', [toRow(rec)]);
  return rec;
}

export async function getCase(store: Store, id: string): Promise<Case | undefined> {
  const [r] = await store.query<CaseRow>(sql('case_get'), { id });
  return r ? fromRow(r) : undefined;
}

export async function closeCase(store: Store, c: Case, by: string, nowMs: number): Promise<Case> {
  if (c.status === 'closed') throw new XlError('API_CASE_CLOSED', `case ${c.id} is already closed`);
  const next: Case = { ...c, status: 'closed', closedBy: by, closedMs: nowMs, version: c.version + 1 };
  await store.insert('cases', [toRow(next)]);
  return next;
}

export async function listCases(
  store: Store,
  o: { orgs: readonly string[] | 'all'; status: string; limit: number },
): Promise<Case[]> {
  const rows = await store.query<CaseRow>(sql('cases_list'), {
    allOrgs: o.orgs === 'all' ? 1 : 0,
    orgs: o.orgs === 'all' ? [] : o.orgs,
    status: o.status,
    limit: o.limit,
  });
  return rows.map(fromRow);
}
