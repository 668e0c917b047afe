/**
 * The appearance descriptor end to end: made the edge way (per-frame histograms of a tracked
 * box in a real frame, averaged by TrackProfiles, put in a sighting by the hit builder) and
 * found by the analytics side (contracts/appearance.ts similarity, then the appearances table
 * and `POST /api/v1/persons/similar`). Boxes were measured by eye on
 * ../shared/data/images/shopping_street_people.png (640 × 480); the "second sighting" of a
 * person is the same frame scaled to 75 % with a shifted, resized box, as another camera or a
 * later frame would see them.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appearanceDistance, appearanceSimilarity, decodeDescriptor } from '../../analytics/appearance.js';
import { hitToRow } from '../../analytics/hit-rows.js';
import { OrgTree } from '../../contracts/org-tree.js';
import type { Store } from '../../analytics/store.js';
import type { Hit } from '../../contracts/hit.js';
import { NO_TEST_DATA, testDataDir } from '../../contracts/testdata.js';
import { checkHit } from '../../contracts/validate.js';
import { appearanceHistogram } from '../../edge-agent/attributes/appearance.js';
import type { RgbImage } from '../../edge-agent/attributes/colour.js';
import { personColours } from '../../edge-agent/attributes/crops.js';
import { TrackProfiles } from '../../edge-agent/attributes/track-profile.js';
import type { Box } from '../../edge-agent/geometry.js';
import { buildSightingHit } from '../../edge-agent/hit-builder.js';
import { KEYS, openTestStore, testApp, testConfig } from '../testkit.js';

const data = testDataDir();
if (!data) console.warn(`api/routes/appearance-loop: ${NO_TEST_DATA}`);

const FILE = 'shopping_street_people.png';
/** Man in a dark jacket with yellow shoulders and dark jeans, red bag in his right hand. */
const MAN: Box = [409, 157, 485, 352];
/** Woman beside him: black jacket with red panels, grey-blue jeans. */
const WOMAN: Box = [500, 179, 565, 351];
/** Woman in a white coat behind them. */
const WHITE_COAT: Box = [390, 205, 412, 282];

async function load(scale: number): Promise<RgbImage> {
  const path = join(data!, 'images', FILE);
  const meta = await sharp(path).metadata();
  const { data: buf, info } = await sharp(path)
    .removeAlpha()
    .toColourspace('srgb')
    .resize(Math.round(meta.width! * scale), Math.round(meta.height! * scale))
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(buf), widthPx: info.width, heightPx: info.height };
}

/** A box of the full-size frame, shifted by (dx, dy) px, grown by `grow` px a side, then scaled. */
const moved = (b: Box, scale: number, dx: number, dy: number, grow: number): Box => [
  (b[0] + dx - grow) * scale,
  (b[1] + dy - grow) * scale,
  (b[2] + dx + grow) * scale,
  (b[3] + dy + grow) * scale,
];

let full: RgbImage;
let small: RgbImage;

/**
 * A person's sighting hit, the edge way: `frames` observations of the box (jittered a pixel or
 * two, as a tracker's boxes are) with colours and appearance histograms, summarised on the
 * track's end and built into a contract hit.
 */
function sighting(
  img: RgbImage,
  box: Box,
  camera: string,
  gateway: string,
  tsMs: number,
  trackId: number,
): Hit {
  const profiles = new TrackProfiles({ maxTrackMs: 60_000 });
  for (let f = 0; f < 6; f++) {
    const j = (f % 3) - 1;
    const b: Box = [box[0] + j, box[1] + (f % 2), box[2] + j, box[3] - (f % 2)];
    const c = personColours(img, b);
    profiles.observe({
      trackId,
      tsMs: tsMs + f * 200,
      classId: 0,
      label: 'person',
      score: 0.8 + 0.02 * f,
      boxNorm: [b[0] / img.widthPx, b[1] / img.heightPx, b[2] / img.widthPx, b[3] / img.heightPx],
      upper: { colour: c.upper.colour, confidence: c.upper.confidence },
      lower: { colour: c.lower.colour, confidence: c.lower.confidence },
      appearance: appearanceHistogram(img, b, true),
    });
  }
  const profile = profiles.end(trackId)!;
  const hit = buildSightingHit(profile, {
    ctx: { gateway, camera, model: 'loop-test' },
    newId: () => ulid(profile.firstSeenMs),
  });
  const ok = checkHit(hit);
  if (!ok.ok) throw new Error(`invalid hit: ${ok.detail}`);
  return hit;
}

beforeAll(async () => {
  if (!data) return;
  [full, small] = await Promise.all([load(1), load(0.75)]);
});

describe.skipIf(!data)('edge descriptor → analytics similarity (real crops)', () => {
  it('ranks the same person in another frame above differently dressed people', () => {
    const t = Date.now() - 3_600_000;
    const d = (h: Hit) => decodeDescriptor(h.appearance!)!;
    const man = d(sighting(full, MAN, 'cam-a', 'gw-a', t, 1));
    const man2 = d(sighting(small, moved(MAN, 0.75, 4, 5, -3), 'cam-b', 'gw-b', t, 2));
    const woman = d(sighting(full, WOMAN, 'cam-a', 'gw-a', t, 3));
    const woman2 = d(sighting(small, moved(WOMAN, 0.75, -3, 4, 2), 'cam-b', 'gw-b', t, 4));
    const coat = d(sighting(full, WHITE_COAT, 'cam-a', 'gw-a', t, 5));
    for (const x of [man, man2, woman, woman2, coat]) expect(x).toHaveLength(32);
    // Same person: near; the others several times farther (measured: 19 vs ≥ 183 of 510).
    expect(appearanceDistance(man, man2)).toBeLessThan(60);
    expect(appearanceDistance(woman, woman2)).toBeLessThan(60);
    for (const [q, same, others] of [
      [man, man2, [woman, woman2, coat]],
      [woman, woman2, [man, man2, coat]],
    ] as const) {
      for (const o of others) {
        expect(appearanceSimilarity(q, same)).toBeGreaterThan(appearanceSimilarity(q, o));
        expect(appearanceDistance(q, o)).toBeGreaterThan(3 * appearanceDistance(q, same));
      }
    }
  });
});

describe.skipIf(!data)('edge hits → POST /api/v1/persons/similar', () => {
  let store: Store;
  let app: Awaited<ReturnType<typeof testApp>>;
  const config = testConfig();
  const T0 = Date.now() - 3 * 3_600_000;
  const hits: Record<'man' | 'man2' | 'woman' | 'woman2' | 'coat', Hit> = {} as never;
  let caseId = '';
  const post = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${KEYS.admin}` }, payload });

  beforeAll(async () => {
    store = await openTestStore('xl-appearance-loop-');
    hits.man = sighting(full, MAN, 'cam-xh-0001', 'gw-xihu-01', T0, 1);
    hits.woman = sighting(full, WOMAN, 'cam-xh-0001', 'gw-xihu-01', T0 + 1000, 2);
    hits.coat = sighting(full, WHITE_COAT, 'cam-xh-0001', 'gw-xihu-01', T0 + 2000, 3);
    hits.man2 = sighting(small, moved(MAN, 0.75, 4, 5, -3), 'cam-xh-0003', 'gw-xihu-01', T0 + 600_000, 1);
    hits.woman2 = sighting(small, moved(WOMAN, 0.75, -3, 4, 2), 'cam-xh-0003', 'gw-xihu-01', T0 + 601_000, 2);
    const idx = new OrgTree(config);
    await store.insert(
      'hits',
      Object.values(hits).map((h) => hitToRow(h, idx.placement(h.camera))),
    );
    app = await testApp(store, config);
    const c = await post('/api/v1/cases', { title: 'appearance loop', kind: 'other', org: 'hz' });
    expect(c.statusCode, c.body).toBe(201);
    caseId = (c.json() as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('indexes the edge descriptors (32 bytes each)', async () => {
    const rows = await store.query<{ id: string; n: number }>(
      'SELECT id, length(vec) AS n FROM appearances ORDER BY id',
    );
    expect(rows.map((r) => [r.id, Number(r.n)]).sort()).toEqual(
      Object.values(hits)
        .map((h) => [h.id, 32])
        .sort(),
    );
  });

  it.each([
    ['man', 'man2'],
    ['man2', 'man'],
    ['woman', 'woman2'],
    ['woman2', 'woman'],
  ] as const)('from the %s hit finds the %s hit first', async (q, want) => {
    const r = await post('/api/v1/persons/similar', {
      hitId: hits[q].id,
      from: String(T0 - 3_600_000),
      to: String(T0 + 3_600_000),
      caseId,
    });
    expect(r.statusCode, r.body).toBe(200);
    const res = (r.json() as { results: Array<{ id: string; distance: number }> }).results;
    expect(res.length).toBeGreaterThan(0);
    expect(res[0]!.id).toBe(hits[want].id);
    expect(res.map((x) => x.id)).not.toContain(hits[q].id);
    // Anyone else found is farther than the same person.
    for (const x of res.slice(1)) expect(x.distance).toBeGreaterThan(res[0]!.distance);
  });
});
