import { describe, expect, it } from 'vitest';
import type { Hit } from '../contracts/hit.js';
import { checkHit } from '../contracts/validate.js';
import type { TrackProfile } from './attributes/track-profile.js';
import { buildEventHit, buildSightingHit, sightingAttrs } from './hit-builder.js';
import type { RuleFiring } from './rules/types.js';

// calendar-safe: a pure function of the time it is given (no store, no clock).
const T0 = 1_764_385_200_123;
const ctx = { gateway: 'gw-kecheng-01', camera: 'cam-0007', model: 'nanodet-g-416' };
const ids = (): (() => string) => {
  let n = 0;
  return () => `01JD${String(++n).padStart(22, '0')}`;
};

/** A profile; keys set to undefined in `over` are removed (exact optional properties). */
function profile(over: { [K in keyof TrackProfile]?: TrackProfile[K] | undefined } = {}): TrackProfile {
  const p: Record<string, unknown> = {
    trackId: 4711,
    label: 'car',
    classId: 2,
    firstSeenMs: T0,
    lastSeenMs: T0 + 5400,
    frames: 54,
    best: { tsMs: T0 + 2000, boxNorm: [0.41, 0.52, 0.63, 0.8], score: 0.88, quality: 0.2 },
    colour: { value: 'white', confidence: 0.8, count: 50 },
    plate: { text: '浙H12345', score: 0.93, support: 5, total: 6 },
    direction: 'northbound',
    appearance: new Uint8Array(32).fill(7),
    partial: false,
    ...over,
  };
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  return p as unknown as TrackProfile;
}

function valid(hit: Hit): Hit {
  const r = checkHit(hit);
  if (!r.ok) throw new Error(`invalid hit: ${r.detail}`);
  return hit;
}

describe('buildSightingHit', () => {
  it('builds the docs/architecture.md#contracts example as a valid contract hit', () => {
    const hit = valid(
      buildSightingHit(profile(), {
        ctx,
        newId: ids(),
        snapshot: { id: '01JDSNAP', cropNorm: [0.35, 0.45, 0.69, 0.870000001] },
      }),
    );
    expect(hit).toEqual({
      v: 1,
      id: '01JD0000000000000000000001',
      tsMs: T0,
      gateway: 'gw-kecheng-01',
      camera: 'cam-0007',
      kind: 'sighting',
      type: 'vehicle',
      label: 'car',
      score: 0.88,
      box: [0.41, 0.52, 0.63, 0.8],
      track: 4711,
      durationMs: 5400,
      attrs: {
        vehicleType: 'car',
        color: 'white',
        plate: '浙H12345',
        plateScore: 0.93,
        direction: 'northbound',
      },
      appearance: Buffer.from(new Uint8Array(32).fill(7)).toString('base64'),
      snapshot: '01JDSNAP',
      snapshotCrop: [0.35, 0.45, 0.69, 0.87],
      model: 'nanodet-g-416',
    });
  });

  it.each<[string, Parameters<typeof profile>[0], Record<string, unknown> | undefined, string]>([
    [
      'person with clothing colours',
      {
        label: 'person',
        classId: 0,
        colour: undefined,
        plate: undefined,
        upper: { value: 'red', confidence: 0.7, count: 10 },
        lower: { value: 'blue', confidence: 0.6, count: 10 },
      },
      { upperColor: 'red', lowerColor: 'blue', direction: 'northbound' },
      'person',
    ],
    [
      'unknown colours are left out',
      {
        label: 'person',
        classId: 0,
        plate: undefined,
        direction: undefined,
        upper: { value: 'unknown', confidence: 0.7, count: 10 },
      },
      undefined,
      'person',
    ],
    [
      'bicycle is non_motor',
      { label: 'bicycle', classId: 1, colour: undefined, plate: undefined, direction: undefined },
      { vehicleType: 'bicycle' },
      'non_motor',
    ],
    [
      'bag is an object',
      { label: 'suitcase', classId: 28, colour: undefined, plate: undefined, direction: undefined },
      undefined,
      'object',
    ],
  ])('%s', (_n, over, attrs, type) => {
    const hit = valid(buildSightingHit(profile(over), { ctx, newId: ids() }));
    expect(hit.type).toBe(type);
    expect(hit.attrs).toEqual(attrs);
    expect(hit.snapshot).toBeUndefined();
  });

  it('clamps boxes, scores and durations into the contract', () => {
    const hit = valid(
      buildSightingHit(
        profile({
          best: { tsMs: T0, boxNorm: [-0.01, 0.2, 1.02, 0.123456789], score: 1.3, quality: 1 },
          lastSeenMs: T0 + 30 * 86_400_000,
        }),
        { ctx: { gateway: 'gw-1', camera: 'cam-1' }, newId: ids() },
      ),
    );
    expect(hit.box).toEqual([0, 0.12346, 1, 0.2]);
    expect(hit.score).toBe(1);
    expect(hit.durationMs).toBe(7 * 86_400_000);
    expect(hit.model).toBeUndefined();
  });

  it('calls the id generator once per hit', () => {
    const gen = ids();
    const a = buildSightingHit(profile(), { ctx, newId: gen });
    const b = buildSightingHit(profile(), { ctx, newId: gen });
    expect(a.id).not.toBe(b.id);
  });
});

describe('buildEventHit', () => {
  const firing = (over: Partial<RuleFiring> = {}): RuleFiring => ({
    rule: 'no-stopping',
    type: 'illegal_parking',
    zone: 'gate-east',
    trackId: 12,
    classId: 2,
    label: 'car',
    score: 0.77,
    tsMs: T0 + 61_000,
    durationMs: 60_000,
    box: [0.1, 0.5, 0.3, 0.7],
    details: {},
    ...over,
  });

  it('builds an event with rule, zone, track and duration', () => {
    const hit = valid(
      buildEventHit(firing(), {
        ctx,
        newId: ids(),
        snapshot: { id: '01JDSNAP2', cropNorm: [0, 0.4, 0.4, 0.8] },
        attrs: { color: 'white' },
      }),
    );
    expect(hit).toMatchObject({
      kind: 'event',
      type: 'illegal_parking',
      label: 'car',
      rule: 'no-stopping',
      zone: 'gate-east',
      track: 12,
      durationMs: 60_000,
      tsMs: T0 + 61_000,
      snapshot: '01JDSNAP2',
      snapshotCrop: [0, 0.4, 0.4, 0.8],
      attrs: { color: 'white' },
    });
  });

  it('a line crossing carries its direction in attrs.direction', () => {
    const over = {
      type: 'line_crossing' as const,
      rule: 'count-north',
      zone: 'road',
      details: { direction: 'out', countIn: 3, countOut: 4 },
    };
    const hit = valid(buildEventHit(firing(over), { ctx, newId: ids() }));
    expect(hit.attrs).toEqual({ direction: 'out' });
    const other = valid(buildEventHit(firing({ details: { direction: 'out' } }), { ctx, newId: ids() }));
    expect(other.attrs).toBeUndefined();
  });

  it('a zone-level firing (crowding) has no track', () => {
    const hit = valid(
      buildEventHit(
        firing({ type: 'crowding', trackId: null, classId: null, label: 'person', rule: 'crowd' }),
        { ctx, newId: ids() },
      ),
    );
    expect(hit.track).toBeUndefined();
    expect(hit.attrs).toBeUndefined();
    expect(hit.type).toBe('crowding');
  });
});

describe('sightingAttrs', () => {
  it('omits a plate without text', () => {
    expect(
      sightingAttrs(profile({ plate: { text: '', score: 0.9, support: 1, total: 1 } })).plate,
    ).toBeUndefined();
  });

  it('carries second candidate colours next to the first, never without it', () => {
    expect(sightingAttrs(profile({ colour2: 'grey' }))).toMatchObject({ color: 'white', color2: 'grey' });
    const person = profile({
      label: 'person',
      classId: 0,
      colour: undefined,
      upper: { value: 'grey', confidence: 0.5, count: 9 },
      upper2: 'blue',
      lower: { value: 'unknown', confidence: 0.3, count: 9 },
      lower2: 'black',
    });
    const a = sightingAttrs(person);
    expect(a.upperColor).toBe('grey');
    expect(a.upperColor2).toBe('blue');
    expect(a.lowerColor).toBeUndefined();
    expect(a.lowerColor2).toBeUndefined();
  });
});
