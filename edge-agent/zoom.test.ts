import { describe, expect, it } from 'vitest';
import { Detections } from '../models/detections.js';
import type { DetectOptions, TimedDetections } from '../models/detector.js';
import type { RgbFrame } from '../models/frame.js';
import { DEFAULT_ZOOM, detectZoomed, zoomViews } from './zoom.js';

const o = { ...DEFAULT_ZOOM, crops: 4 };

describe('zoomViews', () => {
  it('cuts a square of 1.5× the blob, at least 96 px, centred on each small blob', () => {
    // A 30 × 60 blob (a cyclist and his motion trail on a 320 × 240 camera): 90 → 96 px.
    expect(zoomViews([[265, 115, 295, 175]], 320, 240, o)).toEqual([[224, 97, 320, 193]]);
    // 80 px tall: 120 px, inside the frame.
    expect(zoomViews([[100, 100, 140, 180]], 640, 480, o)).toEqual([[60, 80, 180, 200]]);
  });

  it('leaves large blobs to the whole frame, takes the smallest first, at most `crops`', () => {
    const blobs = [
      [0, 0, 300, 200], // a lorry: too large
      [400, 50, 450, 120],
      [200, 300, 220, 330],
      [500, 300, 530, 340],
    ];
    const v = zoomViews(blobs, 640, 480, { ...o, crops: 2 });
    expect(v).toHaveLength(2);
    expect(v[0]).toEqual([162, 267, 258, 363]); // 20 × 30, the smallest
    expect(v[1]).toEqual([467, 272, 563, 368]);
  });

  it('gives no second crop to a blob already inside one, and none when off', () => {
    expect(
      zoomViews(
        [
          [100, 100, 120, 130],
          [125, 110, 135, 125],
        ],
        640,
        480,
        o,
      ),
    ).toHaveLength(1);
    expect(zoomViews([[100, 100, 120, 130]], 640, 480, { ...o, crops: 0 })).toEqual([]);
  });
});

describe('detectZoomed', () => {
  const frame: RgbFrame = { data: new Uint8Array(320 * 240 * 3), width: 320, height: 240 };
  const rows = (r: Array<[number[], number, number]>) =>
    Detections.fromRows(r.map(([box, score, classId]) => ({ box, score, classId })));
  const timings = { preprocessMs: 1, runMs: 2, decodeMs: 3 };

  it('maps crop boxes into the frame, merges them with the frame’s, drops those under zoomMinScore', async () => {
    const seen: Array<{ w: number; h: number; minScore: number | undefined }> = [];
    const det = {
      detectTimed: async (f: RgbFrame, opts?: DetectOptions): Promise<TimedDetections> => {
        seen.push({ w: f.width, h: f.height, minScore: opts?.minScore });
        // In crop pixels: the small person (0.45), a weaker box (0.35), the car the frame has too.
        const all = rows([
          [[50, 20, 60, 44], 0.45, 0],
          [[10, 60, 18, 75], 0.35, 0],
          [[70, 40, 90, 60], 0.6, 2],
        ]);
        return { detections: all.filter(Array.from(all.score, (s) => s >= (opts?.minScore ?? 0))), timings };
      },
    };
    const base = { detections: rows([[[290, 137, 310, 157], 0.7, 2]]), timings };
    const r = await detectZoomed(det, frame, base, [[220, 100, 316, 196]], {
      minScore: 0.3,
      zoomMinScore: 0.4,
    });
    expect(seen).toEqual([{ w: 96, h: 96, minScore: 0.4 }]);
    const got = r.detections.toRows().map((d) => ({ box: d.box, classId: d.classId }));
    expect(got).toEqual([
      { box: [290, 137, 310, 157], classId: 2 },
      { box: [270, 120, 280, 144], classId: 0 },
    ]);
    expect(r.timings).toEqual({ preprocessMs: 2, runMs: 4, decodeMs: 6 });
  });

  it('is the frame’s own result without crops', async () => {
    const base = { detections: rows([[[1, 2, 3, 4], 0.5, 0]]), timings };
    const det = { detectTimed: async (): Promise<TimedDetections> => expect.unreachable() };
    expect(await detectZoomed(det, frame, base, [], { minScore: 0.3 })).toBe(base);
  });
});
