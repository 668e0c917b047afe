import { describe, expect, it } from 'vitest';
import { Detections } from '../../models/detections.js';
import { ByteTracker, type TrackEvent, type TrackerOptions } from './tracker.js';

/** One detection of a synthetic object. */
interface Obj {
  box: [number, number, number, number];
  score?: number;
  classId?: number;
}

const FRAME_MS = 100; // 10 fps

/** A box of size w×h whose top-left moves with constant velocity (px per frame). */
function mover(x0: number, y0: number, vx: number, vy: number, w = 40, h = 80) {
  return (f: number): [number, number, number, number] => [
    x0 + vx * f,
    y0 + vy * f,
    x0 + vx * f + w,
    y0 + vy * f + h,
  ];
}

function frame(objs: Obj[]): Detections {
  return Detections.fromRows(
    objs.map((o) => ({ box: o.box, score: o.score ?? 0.9, classId: o.classId ?? 0 })),
  );
}

/** Runs frames through a tracker; returns the track id seen for each object key per frame and all events. */
function run(
  frames: Array<Record<string, Obj | undefined>>,
  options: Partial<TrackerOptions> = {},
  tracker = new ByteTracker(options),
): { ids: Record<string, Array<number | undefined>>; events: TrackEvent[]; tracker: ByteTracker } {
  const ids: Record<string, Array<number | undefined>> = {};
  const events: TrackEvent[] = [];
  frames.forEach((objs, f) => {
    const keys = Object.keys(objs).filter((k) => objs[k] !== undefined);
    const dets = frame(keys.map((k) => objs[k]!));
    const out = tracker.update(dets, f * FRAME_MS);
    events.push(...out.events);
    for (const k of Object.keys(objs)) ids[k] ??= [];
    keys.forEach((k) => {
      // Match output rows back to objects by identical box.
      const want = dets.box(keys.indexOf(k));
      let id: number | undefined;
      for (let r = 0; r < out.detections.length; r++) {
        if (out.detections.box(r).every((v, c) => v === want[c])) id = out.detections.trackId![r];
      }
      ids[k]!.push(id);
    });
    for (const k of Object.keys(objs)) if (objs[k] === undefined) ids[k]!.push(undefined);
  });
  return { ids, events, tracker };
}

function distinct(xs: Array<number | undefined>): number[] {
  return [...new Set(xs.filter((x): x is number => x !== undefined))];
}

describe('ByteTracker: identity', () => {
  it('keeps one id on a straight path and reports it only after minHits', () => {
    const a = mover(0, 100, 5, 0);
    const frames = Array.from({ length: 20 }, (_, f) => ({ a: { box: a(f) } }));
    const { ids, events } = run(frames, { minHits: 3 });
    expect(ids.a!.slice(0, 2)).toEqual([undefined, undefined]);
    expect(distinct(ids.a!)).toEqual([1]);
    expect(events.filter((e) => e.kind === 'started')).toHaveLength(1);
    expect(events.find((e) => e.kind === 'started')).toMatchObject({ trackId: 1, tsMs: 200, firstSeenMs: 0 });
    expect(events.filter((e) => e.kind === 'updated')).toHaveLength(17);
  });

  it.each<[string, ReturnType<typeof mover>, ReturnType<typeof mover>, number | undefined]>([
    ['horizontal crossing, offset rows', mover(0, 100, 8, 0), mover(300, 120, -8, 0), undefined],
    ['diagonal X crossing', mover(0, 0, 8, 6), mover(300, 0, -8, 6), undefined],
    ['full overlap, different classes', mover(0, 100, 8, 0), mover(300, 100, -8, 0), 2],
  ])('crossing paths keep ids: %s', (_n, pa, pb, classB) => {
    const frames = Array.from({ length: 40 }, (_, f) => ({
      a: { box: pa(f) },
      b: { box: pb(f), classId: classB ?? 0 },
    }));
    const { ids } = run(frames);
    expect(distinct(ids.a!)).toHaveLength(1);
    expect(distinct(ids.b!)).toHaveLength(1);
    expect(distinct(ids.a!)[0]).not.toBe(distinct(ids.b!)[0]);
  });

  it.each([2, 5, 10])('an occlusion gap of %i frames keeps the id (lost → recovered)', (gap) => {
    const a = mover(0, 100, 6, 0);
    const frames = Array.from({ length: 40 }, (_, f) => ({
      a: f >= 10 && f < 10 + gap ? undefined : { box: a(f) },
    }));
    const { ids, events } = run(frames, { lostTrackMs: 2000 });
    expect(distinct(ids.a!)).toEqual([1]);
    expect(ids.a![10 + gap]).toBe(1);
    expect(events.filter((e) => e.kind === 'lost')).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'updated' && e.recovered)).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'ended')).toHaveLength(0);
  });

  it('jitter of ±4 px on a standing object keeps one id', () => {
    const jitter = [3, -4, 1, 4, -2, -3, 2, 0];
    const frames = Array.from({ length: 60 }, (_, f) => {
      const j = jitter[f % jitter.length]!;
      const k = jitter[(f + 3) % jitter.length]!;
      return { a: { box: [200 + j, 100 + k, 240 - k, 180 + j] as [number, number, number, number] } };
    });
    const { ids } = run(frames);
    expect(distinct(ids.a!)).toEqual([1]);
  });

  it('low-score detections continue a track (BYTE) but never start one', () => {
    const a = mover(0, 100, 5, 0);
    const frames = Array.from({ length: 30 }, (_, f) => ({
      a: { box: a(f), score: f >= 10 && f < 20 ? 0.3 : 0.9 },
      ghost: { box: [500, 300, 540, 380] as [number, number, number, number], score: 0.3 },
    }));
    const { ids, tracker } = run(frames);
    expect(distinct(ids.a!)).toEqual([1]);
    expect(ids.a!.slice(10, 20).every((id) => id === 1)).toBe(true);
    expect(distinct(ids.ghost!)).toEqual([]);
    expect(tracker.size).toBe(1);
  });

  it('a low-score detection below lowScore is ignored', () => {
    const a = mover(0, 100, 5, 0);
    const frames = Array.from({ length: 10 }, (_, f) => ({ a: { box: a(f), score: f >= 5 ? 0.05 : 0.9 } }));
    const { ids } = run(frames);
    expect(ids.a!.slice(5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('class-consistent matching: car → truck flip keeps the id only inside a class group', () => {
    const a = mover(0, 100, 5, 0);
    const frames = Array.from({ length: 20 }, (_, f) => ({ a: { box: a(f), classId: f === 10 ? 7 : 2 } }));
    expect(distinct(run(frames, { classGroups: [[2, 5, 7]] }).ids.a!)).toEqual([1]);
    const strict = run(frames).ids.a!;
    expect(strict[10]).toBeUndefined(); // the truck row starts a tentative track instead
    expect(strict[11]).toBe(1);
  });

  it('reports the voted class, not a one-frame flip', () => {
    const a = mover(0, 100, 5, 0);
    const tracker = new ByteTracker({ classGroups: [[2, 7]], minHits: 1 });
    let classAt10 = -1;
    for (let f = 0; f < 12; f++) {
      const out = tracker.update(frame([{ box: a(f), classId: f === 10 ? 7 : 2 }]), f * FRAME_MS);
      if (f === 10) classAt10 = out.detections.classId[0]!;
    }
    expect(classAt10).toBe(2);
  });

  it('minHits 1 confirms at birth', () => {
    const out = new ByteTracker({ minHits: 1 }).update(frame([{ box: [0, 0, 10, 10] }]), 0);
    expect(Array.from(out.detections.trackId!)).toEqual([1]);
    expect(out.events.map((e) => e.kind)).toEqual(['started']);
  });
});

describe('ByteTracker: eviction', () => {
  it('a one-frame false positive leaves no state and no events', () => {
    const t = new ByteTracker();
    const e1 = t.update(frame([{ box: [0, 0, 10, 10] }]), 0).events;
    expect(t.size).toBe(1);
    const e2 = t.update(Detections.empty(), 100).events;
    expect([...e1, ...e2]).toEqual([]);
    expect(t.size).toBe(0);
  });

  it('a vanished track is lost, then ended after lostTrackMs, and the map shrinks to 0', () => {
    const t = new ByteTracker({ lostTrackMs: 1000 });
    const a = mover(0, 100, 5, 0);
    for (let f = 0; f < 10; f++) t.update(frame([{ box: a(f) }]), f * FRAME_MS);
    const kinds: string[] = [];
    let endedAt = -1;
    for (let f = 10; f < 30; f++) {
      for (const e of t.update(Detections.empty(), f * FRAME_MS).events) {
        kinds.push(e.kind);
        if (e.kind === 'ended') {
          endedAt = f * FRAME_MS;
          expect(e).toMatchObject({ trackId: 1, firstSeenMs: 0, lastSeenMs: 900, hits: 10 });
        }
      }
    }
    expect(kinds).toEqual(['lost', 'ended']);
    expect(endedAt).toBe(2000); // first frame more than 1000 ms after the last sighting at 900
    expect(t.size).toBe(0);
  });

  it('evicts on elapsed time even when frames are sparse', () => {
    const t = new ByteTracker({ lostTrackMs: 1000, minHits: 1 });
    t.update(frame([{ box: [0, 0, 10, 10] }]), 0);
    t.update(Detections.empty(), 100);
    const ev = t.update(Detections.empty(), 60_000).events;
    expect(ev.map((e) => e.kind)).toEqual(['ended']);
    expect(t.size).toBe(0);
  });

  it('flush ends every confirmed track and clears tentative ones', () => {
    const t = new ByteTracker({ minHits: 2 });
    const a = mover(0, 0, 5, 0);
    const b = mover(300, 0, 5, 0);
    t.update(frame([{ box: a(0) }, { box: b(0) }]), 0);
    t.update(frame([{ box: a(1) }]), 100);
    t.update(frame([{ box: a(2) }, { box: [600, 300, 640, 380] }]), 200);
    const ev = t.flush(300);
    expect(ev.map((e) => [e.kind, e.trackId])).toEqual([['ended', 1]]);
    expect(t.size).toBe(0);
  });

  it('maxTracks caps memory by ending the oldest lost tracks', () => {
    const t = new ByteTracker({ minHits: 1, maxTracks: 3, lostTrackMs: 60_000 });
    const ended: number[] = [];
    for (let k = 0; k < 6; k++) {
      const out = t.update(frame([{ box: [k * 100, 0, k * 100 + 40, 80] }]), k * FRAME_MS);
      for (const e of out.events) if (e.kind === 'ended') ended.push(e.trackId);
      expect(t.size).toBeLessThanOrEqual(3);
    }
    expect(ended).toEqual([1, 2, 3]);
  });

  it('state returns to 0 after a busy random scene ends', () => {
    const t = new ByteTracker({ lostTrackMs: 500 });
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const started = new Set<number>();
    const ended = new Set<number>();
    for (let f = 0; f < 200; f++) {
      const objs: Obj[] = Array.from({ length: Math.floor(rnd() * 8) }, () => {
        const x = rnd() * 600;
        const y = rnd() * 400;
        return { box: [x, y, x + 40, y + 80], score: 0.3 + rnd() * 0.7 };
      });
      for (const e of t.update(frame(objs), f * FRAME_MS).events) {
        if (e.kind === 'started') started.add(e.trackId);
        if (e.kind === 'ended') ended.add(e.trackId);
      }
    }
    for (let f = 200; f < 210; f++)
      for (const e of t.update(Detections.empty(), f * FRAME_MS).events)
        if (e.kind === 'ended') ended.add(e.trackId);
    expect(t.size).toBe(0);
    expect([...ended].sort()).toEqual([...started].sort());
  });
});

describe('ByteTracker: time', () => {
  it('treats a timestamp going backwards as the previous instant', () => {
    const t = new ByteTracker({ minHits: 1 });
    t.update(frame([{ box: [0, 0, 10, 10] }]), 1000);
    const out = t.update(frame([{ box: [1, 0, 11, 10] }]), 900);
    expect(Array.from(out.detections.trackId!)).toEqual([1]);
    expect(out.events[0]).toMatchObject({ kind: 'updated', tsMs: 1000 });
  });

  it('predicts over an irregular frame gap in real time (a 600 ms gap moves the box 90 px)', () => {
    const t = new ByteTracker();
    const ids = new Set<number>();
    // 150 px/s with a 40 px wide box: frames every 100 ms, then one 600 ms late.
    const times = [...Array.from({ length: 10 }, (_, f) => f * 100), 1500, 1600, 1700];
    for (const tsMs of times) {
      const x = 0.15 * tsMs;
      const out = t.update(frame([{ box: [x, 0, x + 40, 80] }]), tsMs);
      for (const id of out.detections.trackId ?? []) ids.add(id);
    }
    expect([...ids]).toEqual([1]);
    expect(t.size).toBe(1);
  });

  it('tracksInfo lists tentative, tracked and lost tracks', () => {
    const t = new ByteTracker({ minHits: 2 });
    t.update(frame([{ box: [0, 0, 10, 10] }]), 0);
    expect(t.tracksInfo()).toMatchObject([{ trackId: 0, state: 'tentative' }]);
    t.update(frame([{ box: [0, 0, 10, 10] }]), 100);
    expect(t.tracksInfo()).toMatchObject([{ trackId: 1, state: 'tracked', hits: 2 }]);
    t.update(Detections.empty(), 200);
    expect(t.tracksInfo()).toMatchObject([{ trackId: 1, state: 'lost' }]);
  });
});

describe('ByteTracker: options', () => {
  it.each<[string, number, number]>([
    // One vehicle as car (0.6) and truck (0.5) at almost the same box.
    ['duplicates of compatible classes make one track', 0.7, 1],
    ['with de-duplication off they make two', 1, 2],
  ])('%s', (_n, duplicateIou, want) => {
    const t = new ByteTracker({ classGroups: [[2, 7]], duplicateIou, minHits: 1 });
    let out = t.update(Detections.empty(), 0);
    for (let f = 0; f < 5; f++) {
      out = t.update(
        frame([
          { box: [10 + f, 10, 50 + f, 40], score: 0.6, classId: 2 },
          { box: [11 + f, 10, 50 + f, 41], score: 0.5, classId: 7 },
        ]),
        f * FRAME_MS,
      );
    }
    expect(out.detections.length).toBe(want);
    expect(t.size).toBe(want);
  });

  it('does not merge overlapping boxes of incompatible classes (a person by a car)', () => {
    const t = new ByteTracker({ minHits: 1 });
    const out = t.update(
      frame([
        { box: [10, 10, 50, 40], score: 0.6, classId: 2 },
        { box: [11, 10, 50, 41], score: 0.5, classId: 0 },
      ]),
      0,
    );
    expect(out.detections.length).toBe(2);
  });

  it.each<[boolean, number]>([
    // IoU 0.33 with a 0.5-score box: fused 0.17 < 0.2 misses the track (the box starts track 2),
    // plain IoU keeps it.
    [false, 1],
    [true, 2],
  ])('fuseScore %s: a weak detection after a jump', (fuseScore, want) => {
    const t = new ByteTracker({ fuseScore, minHits: 1 });
    t.update(frame([{ box: [0, 0, 40, 80], score: 0.9 }]), 0);
    const out = t.update(frame([{ box: [20, 0, 60, 80], score: 0.5 }]), 1);
    expect(out.detections.trackId?.[0]).toBe(want);
  });
});

describe('ByteTracker: ids', () => {
  it.each<[number, number[]]>([
    [1, [1, 2]],
    [1_764_385_200, [1_764_385_200, 1_764_385_201]],
    [2 ** 31 - 1, [2 ** 31 - 1, 1]],
  ])('firstTrackId %i', (firstTrackId, want) => {
    const t = new ByteTracker({ firstTrackId, minHits: 1 });
    const out = t.update(frame([{ box: [0, 0, 10, 10] }, { box: [100, 100, 110, 110] }]), 0);
    expect(Array.from(out.detections.trackId!)).toEqual(want);
  });
});
