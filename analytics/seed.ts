/**
 * Synthetic city data (`xueliang seed`): hits generated inside ClickHouse with
 * `INSERT … SELECT FROM numbers()` (analytics/sql/seed_hits.sql), one local day per batch so
 * each insert writes one partition; known needles planted through the normal row mapping.
 */
import type { CityConfig } from '../contracts/config/index.js';
import { XlError } from '../contracts/errors.js';
import { type Colour, COLOURS, EVENT_TYPES, type Hit } from '../contracts/hit.js';
import { ulid } from 'ulid';
import { COLOUR_BIN, DESCRIPTOR_BINS, descriptorOfColours, encodeDescriptor } from './appearance.js';
import { hitToRow } from './hit-rows.js';
import { OrgTree } from '../contracts/org-tree.js';
import { sql } from './sql.js';
import type { Store } from './store.js';

/** Share of a day's traffic per local hour (0–23): quiet nights, morning and evening peaks. */
export const HOURLY_CURVE: readonly number[] = [
  0.6, 0.4, 0.3, 0.3, 0.4, 0.9, 2.2, 4.6, 6.8, 6.0, 5.2, 5.0, 5.4, 5.0, 4.8, 5.0, 5.6, 6.6, 7.2, 6.0, 4.6,
  3.6, 2.4, 1.3,
];

/** Provinces other than the home one (浙), for out-of-town plates. */
const OTHER_PROVINCES = ['沪', '苏', '皖', '赣', '闽', '京', '粤', '鲁', '豫', '川', '湘', '鄂'];

/** Clothing colour frequencies (repeats weight the pick). */
const UPPERS: Colour[] = [
  'black',
  'black',
  'black',
  'black',
  'white',
  'white',
  'white',
  'grey',
  'grey',
  'blue',
  'blue',
  'red',
  'green',
  'yellow',
  'pink',
  'brown',
  'purple',
  'orange',
];
const LOWERS: Colour[] = [
  'black',
  'black',
  'black',
  'black',
  'black',
  'blue',
  'blue',
  'blue',
  'grey',
  'grey',
  'white',
  'brown',
  'brown',
  'green',
];
const VEHICLE_COLOURS: Colour[] = [
  'white',
  'white',
  'white',
  'white',
  'black',
  'black',
  'black',
  'grey',
  'grey',
  'grey',
  'red',
  'blue',
  'blue',
  'brown',
  'green',
  'yellow',
  'orange',
];

const REGION_VARIANTS = 16;

/**
 * One region (16 bytes, hex) of a synthetic descriptor: the colour's bin holds what the noise
 * leaves of 255; the other bins get 0–9 of deterministic noise, so people in the same colours
 * are near, not identical.
 */
export function regionVariant(bin: number, variant: number): string {
  const bytes = new Uint8Array(DESCRIPTOR_BINS);
  let x = (variant + 1) * 2654435761;
  for (let b = 0; b < DESCRIPTOR_BINS; b++) {
    if (b === bin) continue;
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[b] = (x >>> 16) % 4 === 0 ? 0 : ((x >>> 18) % 4) * 3;
  }
  bytes[bin] = 255 - bytes.reduce((a, v) => a + v, 0);
  return Buffer.from(bytes).toString('hex');
}

export interface SeedOptions {
  hits: number;
  days: number;
  /** The days filled are the `days` whole UTC days before the one holding this time (usually now). */
  endMs: number;
  /** Offset of the city's timezone from UTC, minutes (Asia/Shanghai: 480). */
  tzOffsetMin: number;
  seed?: number;
  /** Rows per INSERT (default 4M). */
  batchRows?: number;
  /** Distinct plates in the pool (default hits/25, 1,000 to 5,000,000). */
  platePool?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SeedResult {
  hits: number;
  fromMs: number;
  toMs: number;
  ms: number;
}

/** Timezone offset of an IANA zone at a moment, minutes (pure; Intl only). */
export function tzOffsetMinutes(timeZone: string, atMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  })
    .formatToParts(new Date(atMs))
    .reduce<Record<string, number>>(
      (a, p) => (p.type === 'literal' ? a : { ...a, [p.type]: Number(p.value) }),
      {},
    );
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!);
  return Math.round((asUtc - (atMs - (atMs % 60_000))) / 60_000);
}

export async function seedHits(
  store: Store,
  config: Pick<CityConfig, 'orgs' | 'cameras'>,
  o: SeedOptions,
): Promise<SeedResult> {
  const idx = new OrgTree(config);
  const cams = [...idx.cameras.values()];
  if (cams.length === 0)
    throw new XlError('SEED_NO_CAMERAS', 'the city config lists no cameras to seed hits for');
  const t0 = Date.now();
  const dayMs = 86_400_000;
  // Batches follow UTC days so each INSERT writes one day partition (measured ~2× faster than
  // local days, which straddle two); the traffic curve is rotated to stay in local time. The
  // days are the D whole UTC days before the one holding endMs: nothing lands in the future.
  const lastDayStart = Math.floor(o.endMs / dayMs) * dayMs - dayMs;
  const firstDayStart = lastDayStart - (o.days - 1) * dayMs;
  const total = o.hits;
  const shiftH = Math.round(o.tzOffsetMin / 60);
  const curveUtc = HOURLY_CURVE.map((_, h) => HOURLY_CURVE[(((h + shiftH) % 24) + 24) % 24]!);
  const cum: number[] = [];
  const sum = curveUtc.reduce((a, b) => a + b, 0);
  curveUtc.reduce((acc, w) => {
    cum.push((acc + w) / sum);
    return acc + w;
  }, 0);
  cum[cum.length - 1] = 1.000001;
  const base = {
    seed: o.seed ?? 1,
    cum,
    cams: cams.map((c) => c.id),
    gws: cams.map((c) => c.gateway),
    grids: cams.map((c) => c.grid),
    paths: cams.map((c) => [...c.placement.orgPath]),
    platePool: o.platePool ?? Math.min(5_000_000, Math.max(1000, Math.round(total / 25))),
    provinces: OTHER_PROVINCES,
    uppers: UPPERS,
    lowers: LOWERS,
    palette: [...COLOURS],
    regions: COLOURS.flatMap((c) =>
      Array.from({ length: REGION_VARIANTS }, (_, v) => regionVariant(COLOUR_BIN[c], v)),
    ),
    variants: REGION_VARIANTS,
    crockford: [...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'].map((ch) => ch.charCodeAt(0)),
    vcolours: VEHICLE_COLOURS,
    events: [...EVENT_TYPES],
  };
  const batch = o.batchRows ?? 4_000_000;
  let done = 0;
  o.onProgress?.(0, total);
  for (let d = 0; d < o.days; d++) {
    const dayEnd = Math.round(((d + 1) * total) / o.days);
    while (done < dayEnd) {
      const count = Math.min(batch, dayEnd - done);
      await store.command(
        sql('seed_hits'),
        { ...base, start: done, count, dayStartMs: firstDayStart + d * dayMs },
        { settings: { max_insert_threads: '2' } },
      );
      done += count;
      o.onProgress?.(done, total);
    }
  }
  return { hits: total, fromMs: firstDayStart, toMs: lastDayStart + dayMs, ms: Date.now() - t0 };
}

export interface PlateNeedle {
  plate: string;
  /** Cameras in visiting order; one sighting each. */
  cameras: readonly string[];
  startMs: number;
  stepMs: number;
  color?: Colour;
  vehicleType?: string;
}

export interface PersonNeedle {
  upper: Colour;
  lower: Colour;
  cameras: readonly string[];
  startMs: number;
  stepMs: number;
  /** Descriptor bytes (default: the pure colours' descriptor). */
  descriptor?: Uint8Array;
}

/** Inserts known sightings (a plate's route, a person's sightings) through the normal row mapping. */
export async function plantNeedles(
  store: Store,
  config: Pick<CityConfig, 'orgs' | 'cameras'>,
  needles: { plates?: readonly PlateNeedle[]; persons?: readonly PersonNeedle[] },
): Promise<Hit[]> {
  const idx = new OrgTree(config);
  const hits: Hit[] = [];
  const base = (camera: string, tsMs: number): Hit => {
    const cam = idx.cameras.get(camera);
    if (!cam) throw new XlError('SEED_NO_CAMERAS', `no camera '${camera}' in the city config`);
    return {
      v: 1,
      id: ulid(tsMs),
      tsMs,
      gateway: cam.gateway,
      camera,
      kind: 'sighting',
      type: 'vehicle',
      label: 'car',
      score: 0.9,
      box: [0.4, 0.4, 0.6, 0.7],
      track: 1,
      zone: null,
      rule: null,
      model: 'needle',
    };
  };
  for (const p of needles.plates ?? []) {
    p.cameras.forEach((camera, k) => {
      hits.push({
        ...base(camera, p.startMs + k * p.stepMs),
        attrs: {
          plate: p.plate,
          plateScore: 0.95,
          color: p.color ?? 'white',
          vehicleType: p.vehicleType ?? 'car',
        },
      });
    });
  }
  for (const p of needles.persons ?? []) {
    const appearance = encodeDescriptor(p.descriptor ?? descriptorOfColours(p.upper, p.lower));
    p.cameras.forEach((camera, k) => {
      hits.push({
        ...base(camera, p.startMs + k * p.stepMs),
        type: 'person',
        label: 'person',
        attrs: { upperColor: p.upper, lowerColor: p.lower },
        appearance,
      });
    });
  }
  await store.insert(
    'hits',
    hits.map((h) => hitToRow(h, idx.placement(h.camera))),
  );
  return hits;
}
