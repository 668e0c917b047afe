/**
 * Vehicle queries: plate search (exact, wildcard, fuzzy) and routes, over the plate structures of
 * migration 003. Candidates come from the small `plates` table (city-wide); sightings from
 * `plate_sightings` with the caller's jurisdiction applied in SQL, so a plate never seen in scope
 * yields nothing.
 */
import {
  cleanPlateQuery,
  exactPlate,
  fuzzyCandidates,
  fuzzyRegex,
  type PlateMode,
  plateQueryProblem,
  rankFuzzy,
  wildcardToLike,
} from './plates/pattern.js';
import { haversineM } from '../contracts/geo.js';
import { sql } from './sql.js';
import type { Store } from './store.js';
import { XlError } from '../contracts/errors.js';
import type { PlateSighting } from '../contracts/sightings.js';

export type { PlateSighting };

/** Plates whose sightings are returned (the best-ranked ones); all matches are listed in `plates`. */
export const SIGHTING_PLATES = 20;

/** Most plates listed for a fuzzy lookup (they travel as one query parameter). */
const FUZZY_LIST_MAX = 20_000;

export interface VehicleQuery {
  plate: string;
  mode: PlateMode;
  fromMs: number;
  toMs: number;
  scope: readonly string[];
  color: string;
  vehicleType: string;
  limit: number;
  /** Most candidate plates considered for wildcard and fuzzy queries. */
  maxPlates?: number;
}

export interface PlateMatch {
  plate: string;
  /** 0 exact; fuzzy: 0.5 per confusable character, 1 per missing/extra character. */
  distance: number;
  n: number;
  firstMs: number;
  lastMs: number;
  color: string;
  vehicleType: string;
  cameras: number;
}

interface SightingRow {
  id: string;
  ts_ms: string | number;
  plate: string;
  camera: string;
  color: string;
  vehicle_type: string;
  plate_score: number;
  direction: string;
  snapshot: string;
}

const toSighting = (r: SightingRow): PlateSighting => ({
  id: r.id,
  tsMs: Number(r.ts_ms),
  plate: r.plate,
  camera: r.camera,
  color: r.color,
  vehicleType: r.vehicle_type,
  plateScore: Math.round(Number(r.plate_score) * 1e4) / 1e4,
  direction: r.direction,
  snapshot: r.snapshot,
});

export interface VehicleAttrsQuery {
  fromMs: number;
  toMs: number;
  scope: readonly string[];
  /** Districts of the scope (prunes the hits key); empty: any. */
  districts: readonly string[];
  color: string;
  vehicleType: string;
  limit: number;
}

/** Vehicle sightings by colour and/or type, with or without a plate read, newest first. */
export async function searchVehiclesByAttrs(store: Store, q: VehicleAttrsQuery): Promise<PlateSighting[]> {
  const rows = await store.query<SightingRow>(sql('vehicles_by_attrs'), {
    from: q.fromMs,
    to: q.toMs,
    scope: q.scope,
    districts: q.districts,
    color: q.color,
    vehicleType: q.vehicleType,
    limit: q.limit,
  });
  return rows.map(toSighting);
}

/**
 * Plates matching the query, ranked (at most `maxPlates`, default 100), with the sightings of the
 * best-ranked `SIGHTING_PLATES` of them (newest first, at most `limit`).
 */
export async function searchVehicles(
  store: Store,
  q: VehicleQuery,
): Promise<{ plates: PlateMatch[]; sightings: PlateSighting[] }> {
  const text = cleanPlateQuery(q.plate);
  const problem = plateQueryProblem(text, q.mode);
  if (problem) throw new XlError('API_BAD_PLATE', problem);
  const maxPlates = q.maxPlates ?? 100;
  const window = { from: q.fromMs, to: q.toMs };
  let ranked: Array<{ plate: string; distance: number }>;
  if (q.mode === 'exact') ranked = [{ plate: exactPlate(text), distance: 0 }];
  else if (q.mode === 'wildcard') {
    const rows = await store.query<{ plate: string; n: string }>(sql('plates_like'), {
      like: wildcardToLike(text),
      ...window,
      limit: maxPlates,
    });
    ranked = rows.map((r) => ({ plate: r.plate, distance: 0 }));
  } else {
    // Listing the plates within reach and looking them up beats a regex over every plate
    // (measured at 100M hits: regex p50 1.8 s); very confusable queries fall back to the regex.
    const cands = fuzzyCandidates(text, FUZZY_LIST_MAX);
    const rows = cands
      ? await store.query<{ plate: string; n: string }>(sql('plates_in'), {
          plates: cands,
          ...window,
          limit: maxPlates * 5,
        })
      : await store.query<{ plate: string; n: string }>(sql('plates_fuzzy'), {
          re: fuzzyRegex(text),
          ...window,
          limit: maxPlates * 5,
        });
    ranked = rankFuzzy(
      text,
      rows.map((r) => ({ plate: r.plate, n: Number(r.n) })),
    ).slice(0, maxPlates);
  }
  if (ranked.length === 0) return { plates: [], sightings: [] };
  const filters = {
    plates: ranked.map((r) => r.plate),
    ...window,
    scope: q.scope,
    color: q.color,
    vehicleType: q.vehicleType,
  };
  const stats = await store.query<{
    plate: string;
    n: string;
    first_ms: string;
    last_ms: string;
    top_color: string;
    top_vehicle_type: string;
    cameras: string;
  }>(sql('plate_sightings_stats'), filters);
  const byPlate = new Map(stats.map((s) => [s.plate, s]));
  const plates: PlateMatch[] = [];
  for (const r of ranked) {
    const s = byPlate.get(r.plate);
    if (!s) continue;
    plates.push({
      plate: r.plate,
      distance: r.distance,
      n: Number(s.n),
      firstMs: Number(s.first_ms),
      lastMs: Number(s.last_ms),
      color: s.top_color,
      vehicleType: s.top_vehicle_type,
      cameras: Number(s.cameras),
    });
  }
  // Fuzzy order is by closeness (then sightings); exact and wildcard by sightings.
  if (q.mode !== 'fuzzy') plates.sort((a, b) => b.n - a.n || (a.plate < b.plate ? -1 : 1));
  if (plates.length === 0) return { plates, sightings: [] };
  // Sightings of the best-ranked plates only: each listed plate costs a lookup per part, and the
  // first page is what an analyst reads (measured at 100M: 200 plates took ~180 ms here alone).
  const rows = await store.query<SightingRow>(sql('plate_sightings'), {
    ...filters,
    plates: plates.slice(0, SIGHTING_PLATES).map((p) => p.plate),
    asc: 0,
    limit: q.limit,
  });
  return { plates, sightings: rows.map(toSighting) };
}

export interface RouteStop extends PlateSighting {
  lat: number | null;
  lon: number | null;
  cameraName: string;
  /** Time since the previous sighting, ms (null for the first). */
  gapMs: number | null;
  /** Straight-line distance from the previous camera, metres (null when unknown). */
  distanceM: number | null;
}

export interface CameraPosition {
  name: string;
  lat: number;
  lon: number;
}

/** A vehicle's sightings in time order, with camera positions and the time and distance between stops. */
export async function vehicleRoute(
  store: Store,
  q: {
    plate: string;
    fromMs: number;
    toMs: number;
    scope: readonly string[];
    limit: number;
    cameras: ReadonlyMap<string, CameraPosition>;
  },
): Promise<{ plate: string; stops: RouteStop[] }> {
  const text = cleanPlateQuery(q.plate);
  const problem = plateQueryProblem(text, 'exact');
  if (problem) throw new XlError('API_BAD_PLATE', problem);
  const plate = exactPlate(text);
  const rows = await store.query<SightingRow>(sql('plate_sightings'), {
    plates: [plate],
    from: q.fromMs,
    to: q.toMs,
    scope: q.scope,
    color: '',
    vehicleType: '',
    asc: 1,
    limit: q.limit,
  });
  const stops: RouteStop[] = [];
  for (const r of rows.map(toSighting)) {
    const cam = q.cameras.get(r.camera);
    const prev = stops[stops.length - 1];
    const prevCam = prev ? q.cameras.get(prev.camera) : undefined;
    stops.push({
      ...r,
      lat: cam?.lat ?? null,
      lon: cam?.lon ?? null,
      cameraName: cam?.name ?? '',
      gapMs: prev ? r.tsMs - prev.tsMs : null,
      distanceM: cam && prevCam ? Math.round(haversineM(prevCam, cam)) : null,
    });
  }
  return { plate, stops };
}

export { haversineM };
