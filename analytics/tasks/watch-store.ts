/**
 * Case watches in the store (`case_watches`, migration 011): written by the API, loaded into
 * the alert matcher's index by every alert engine. A change is announced on the Redis
 * channel `{prefix}:alerts:watches` so engines in other processes reload at once (and every
 * `alerts.watches.reloadMs` regardless).
 */
import type { Colour } from '../../contracts/hit.js';
import type { PlateMode } from '../alerts/plates.js';
import type { Watch } from '../alerts/watches.js';
import type { Store } from '../store.js';
import { taskSql } from './repo.js';

interface WatchRow {
  id: string;
  case_id: string;
  case_org: string;
  kind: string;
  pattern: string;
  mode: string;
  upper: string;
  lower: string;
  area: string;
  from_ms: number | string;
  to_ms: number | string;
}

const NONE = -1;

function rowToWatch(r: WatchRow): Watch {
  const base = {
    id: r.id,
    caseId: r.case_id,
    caseOrg: r.case_org,
    area: r.area || null,
    fromMs: Number(r.from_ms) === NONE ? null : Number(r.from_ms),
    toMs: Number(r.to_ms) === NONE ? null : Number(r.to_ms),
  };
  if (r.kind === 'clothing') {
    return {
      ...base,
      kind: 'clothing',
      upper: (r.upper || null) as Colour | null,
      lower: (r.lower || null) as Colour | null,
    };
  }
  return { ...base, kind: 'plate', pattern: r.pattern, mode: r.mode as PlateMode };
}

export async function loadActiveWatches(store: Store): Promise<Watch[]> {
  return (await store.query<WatchRow>(taskSql('watches_active'))).map(rowToWatch);
}

/** Writes a version of a watch (`active` false retires it). Versions are epoch ms. */
export async function saveWatch(
  store: Store,
  w: Watch,
  o: { active: boolean; by: string; nowMs: number },
): Promise<void> {
  await store.insert('case_watches', [
    {
      id: w.id,
      version: o.nowMs * 1000 + Math.floor(Math.random() * 1000),
      case_id: w.caseId,
      case_org: w.caseOrg,
      kind: w.kind,
      pattern: w.kind === 'plate' ? w.pattern : '',
      mode: w.kind === 'plate' ? w.mode : '',
      upper: w.kind === 'clothing' ? (w.upper ?? '') : '',
      lower: w.kind === 'clothing' ? (w.lower ?? '') : '',
      area: w.area ?? '',
      from_ms: w.fromMs ?? NONE,
      to_ms: w.toMs ?? NONE,
      active: o.active ? 1 : 0,
      created_by: o.by,
      updated: o.nowMs,
    },
  ]);
}
