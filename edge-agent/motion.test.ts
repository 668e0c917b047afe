import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../models/frame.js';
import { greyCells, MotionDetector, selectKth } from './motion.js';
import { cropRegions, MotionGate } from './motion-gate.js';
import { withCarriedOver } from './agent.js';
import { Detections } from '../models/detections.js';

/** A grey frame with optional filled rectangles of another grey. */
function frame(w: number, h: number, rects: Array<[number, number, number, number, number]> = []): RgbFrame {
  const data = new Uint8Array(w * h * 3).fill(100);
  for (const [x1, y1, x2, y2, v] of rects)
    for (let y = y1; y < y2; y++)
      for (let x = x1; x < x2; x++) data.fill(v, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return { data, width: w, height: h };
}

/** greyCells as first written: every sampled pixel's cell computed on the spot. */
function greyCellsReference(f: RgbFrame, cw: number, ch: number): Float32Array {
  const out = new Float32Array(cw * ch);
  const n = new Uint32Array(cw * ch);
  const sx = Math.max(1, Math.floor(f.width / cw / 3));
  const sy = Math.max(1, Math.floor(f.height / ch / 3));
  for (let y = 0; y < f.height; y += sy)
    for (let x = 0; x < f.width; x += sx) {
      const k =
        Math.min(ch - 1, Math.floor((y * ch) / f.height)) * cw +
        Math.min(cw - 1, Math.floor((x * cw) / f.width));
      const p = (y * f.width + x) * 3;
      out[k] = out[k]! + 0.299 * f.data[p]! + 0.587 * f.data[p + 1]! + 0.114 * f.data[p + 2]!;
      n[k]!++;
    }
  return out.map((v, k) => (n[k] ? v / n[k]! : 0));
}

describe('greyCells and selectKth', () => {
  it('greyCells (precomputed sampling) equals the per-pixel computation, odd sizes included', () => {
    for (const [w, h, cw, ch] of [
      [640, 480, 64, 48],
      [767, 431, 64, 36],
      [320, 240, 64, 48],
      [50, 30, 64, 38],
    ] as const) {
      const f = frame(w, h);
      for (let k = 0; k < f.data.length; k++) f.data[k] = (k * 31 + (k >> 5)) & 255;
      expect(Array.from(greyCells(f, Math.min(cw, w), ch))).toEqual(
        Array.from(greyCellsReference(f, Math.min(cw, w), ch)),
      );
    }
  });

  it('selectKth gives the sorted array element at k, duplicates included', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const n of [1, 2, 3, 10, 101, 3072]) {
      const a = Float32Array.from({ length: n }, () => Math.round(rnd() * 40) - 20 + (rnd() < 0.3 ? 0.5 : 0));
      const sorted = Float32Array.from(a).sort();
      for (const k of [0, n >> 1, n - 1]) expect(selectKth(Float32Array.from(a), k)).toBe(sorted[k]);
    }
  });
});

describe('MotionDetector', () => {
  it('the ghost of an object that left is not motion (frame differencing), unless that is off', () => {
    const run = (activeThreshold: number) => {
      const m = new MotionDetector({ activeThreshold });
      for (let k = 0; k < 3; k++) m.update(frame(320, 240));
      // A bright block crosses for 8 frames (the background takes part of it in), then leaves.
      for (let k = 0; k < 8; k++)
        expect(m.update(frame(320, 240, [[40 + 20 * k, 80, 90 + 20 * k, 160, 230]])).boxes).toHaveLength(1);
      const left = m.update(frame(320, 240));
      return { left, after: [1, 2, 3].map(() => m.update(frame(320, 240))) };
    };
    const on = run(7);
    expect(on.left.boxes.length).toBeGreaterThan(0); // the frame it left in: its cells just changed
    for (const r of on.after) expect(r.boxes).toEqual([]);
    const off = run(0);
    expect(off.after[0]!.boxes.length).toBeGreaterThan(0); // the background still holds the block
  });

  it('an object that stops is motion while it moves, then not (the whole-frame check sees it)', () => {
    const m = new MotionDetector();
    m.update(frame(320, 240));
    for (let k = 0; k < 4; k++)
      expect(m.update(frame(320, 240, [[40 + 15 * k, 80, 90 + 15 * k, 160, 30]])).boxes).toHaveLength(1);
    const parked = frame(320, 240, [[100, 80, 150, 160, 30]]);
    m.update(parked);
    expect(m.update(parked).boxes).toEqual([]);
  });

  it('a still scene (and a little sensor noise) has no motion', () => {
    const m = new MotionDetector();
    expect(m.update(frame(320, 240)).boxes).toEqual([]);
    const noisy = frame(320, 240);
    for (let k = 0; k < noisy.data.length; k += 7) noisy.data[k] = 100 + ((k * 13) % 11) - 5;
    const r = m.update(noisy);
    expect(r.boxes).toEqual([]);
    expect(r.fraction).toBe(0);
  });

  it('a moving block is boxed around its place, in frame pixels', () => {
    const m = new MotionDetector();
    m.update(frame(320, 240));
    const r = m.update(frame(320, 240, [[100, 60, 130, 120, 200]]));
    expect(r.boxes).toHaveLength(1);
    const [x1, y1, x2, y2] = r.boxes[0]!;
    expect(x1).toBeLessThanOrEqual(100);
    expect(y1).toBeLessThanOrEqual(60);
    expect(x2).toBeGreaterThanOrEqual(130);
    expect(y2).toBeGreaterThanOrEqual(120);
    expect(x2 - x1).toBeLessThan(60);
    expect(r.fraction).toBeGreaterThan(0);
  });

  it('two distant movers are two boxes; a new frame size resets the background', () => {
    const m = new MotionDetector();
    m.update(frame(320, 240));
    const r = m.update(
      frame(320, 240, [
        [10, 10, 30, 50, 0],
        [250, 150, 280, 220, 255],
      ]),
    );
    expect(r.boxes).toHaveLength(2);
    expect(m.update(frame(160, 120, [[10, 10, 30, 50, 0]])).boxes).toEqual([]);
  });

  it('a change that stays is learned into the background', () => {
    const m = new MotionDetector({ learnRate: 0.5 });
    m.update(frame(320, 240));
    const parked = frame(320, 240, [[100, 60, 130, 120, 200]]);
    expect(m.update(parked).boxes).toHaveLength(1);
    for (let i = 0; i < 8; i++) m.update(parked);
    expect(m.update(parked).boxes).toEqual([]);
  });

  it('greyCells averages blocks', () => {
    const g = greyCells(frame(8, 8, [[0, 0, 4, 8, 200]]), 2, 1);
    expect(g[0]).toBeCloseTo(200, 5);
    expect(g[1]).toBeCloseTo(100, 5);
  });
});

describe('MotionGate', () => {
  it('skips still frames, checks the full frame every stillCheckMs, crops small motion', () => {
    const g = new MotionGate({ stillCheckMs: 1000 });
    expect(g.plan(frame(640, 480), 0)).toEqual({ kind: 'full' });
    expect(g.plan(frame(640, 480), 200)).toEqual({ kind: 'skip' });
    expect(g.plan(frame(640, 480), 400)).toEqual({ kind: 'skip' });
    const p = g.plan(frame(640, 480, [[300, 200, 320, 260, 220]]), 600);
    expect(p.kind).toBe('crop');
    if (p.kind === 'crop') {
      expect(p.regions).toHaveLength(1);
      const [x1, y1, x2, y2] = p.regions[0]!;
      expect(x1).toBeLessThanOrEqual(300);
      expect(x2).toBeGreaterThanOrEqual(320);
      expect(x2 - x1).toBeGreaterThanOrEqual(160);
      expect(y2 - y1).toBeGreaterThanOrEqual(160);
      expect(x2 - x1).toBeLessThan(320);
    }
    expect(g.plan(frame(640, 480), 1000)).toEqual({ kind: 'full' });
  });

  it('motion over most of the frame runs the whole frame', () => {
    const g = new MotionGate({ stillCheckMs: 60_000 });
    g.plan(frame(640, 480), 0);
    expect(g.plan(frame(640, 480, [[0, 0, 600, 440, 250]]), 200)).toEqual({ kind: 'full' });
  });
});

describe('withCarriedOver', () => {
  it('maps crop boxes to the frame and keeps last full-frame boxes outside the region', () => {
    const crop = Detections.fromRows([{ box: [10, 20, 30, 60], score: 0.8, classId: 0 }]);
    const last = Detections.fromRows([
      { box: [500, 100, 520, 150], score: 0.7, classId: 0 }, // outside: carried over
      { box: [110, 120, 130, 160], score: 0.9, classId: 0 }, // inside: the crop looked there
    ]);
    const d = withCarriedOver([{ detections: crop, region: [100, 100, 300, 300] }], last);
    expect(d.length).toBe(2);
    expect(Array.from(d.box(0))).toEqual([110, 120, 130, 160]);
    expect(Array.from(d.box(1))).toEqual([500, 100, 520, 150]);
    expect(withCarriedOver([{ detections: crop, region: [100, 100, 300, 300] }], undefined).length).toBe(1);
  });

  it('keeps a box found in two overlapping crops once', () => {
    const a = Detections.fromRows([{ box: [50, 50, 70, 90], score: 0.8, classId: 0 }]);
    const b = Detections.fromRows([{ box: [10, 10, 30, 50], score: 0.6, classId: 0 }]);
    const d = withCarriedOver(
      [
        { detections: a, region: [0, 0, 200, 200] },
        { detections: b, region: [40, 40, 240, 240] },
      ],
      undefined,
    );
    expect(d.length).toBe(1);
    expect(d.score[0]).toBeCloseTo(0.8, 5);
  });
});

describe('cropRegions', () => {
  it('crops two distant movers apart and merges overlapping ones', () => {
    const o = { cropMargin: 0.25, minCropPx: 100 };
    expect(
      cropRegions(
        [
          [10, 10, 30, 50],
          [500, 300, 530, 360],
        ],
        640,
        480,
        o,
      ),
    ).toHaveLength(2);
    const merged = cropRegions(
      [
        [10, 10, 30, 50],
        [60, 20, 90, 60],
      ],
      640,
      480,
      o,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]![0]).toBeLessThanOrEqual(10);
    expect(merged[0]![2]).toBeGreaterThanOrEqual(90);
  });
});
