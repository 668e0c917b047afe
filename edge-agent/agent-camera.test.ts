/**
 * The per-camera pipeline on synthetic frames and detections (no model, no ffmpeg): a red
 * car drives down the picture across a line and leaves; the tracker, rules, attributes,
 * plate clustering, snapshots and hit builder must turn that into one event and one
 * sighting, and every per-track map must be empty afterwards.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../contracts/log.js';
import { checkHit } from '../contracts/validate.js';
import { COCO_LABELS } from '../models/coco-labels.js';
import { Detections } from '../models/detections.js';
import type { RgbFrame } from '../models/frame.js';
import { CameraPipeline, type PlateReaderPort } from './agent-camera.js';
import { gatewayConfig } from './agent-testkit.js';
import { FaceGuard, type FaceGuardPort } from './privacy/face-guard.js';

// calendar-safe: a pure function of the time it is given (no store, no clock).
const T = 1_764_000_000_000;

const W = 320;
const H = 240;
const CAR = COCO_LABELS.indexOf('car');

/** A grey frame with a red car-sized block at `boxPx`. */
function frameWith(boxPx: readonly number[]): RgbFrame {
  const data = new Uint8Array(W * H * 3).fill(110);
  for (let y = Math.max(0, boxPx[1]!); y < Math.min(H, boxPx[3]!); y++)
    for (let x = Math.max(0, boxPx[0]!); x < Math.min(W, boxPx[2]!); x++)
      data.set([200, 20, 25], (y * W + x) * 3);
  return { data, width: W, height: H };
}

/**
 * The real face guard over a finder that reports no faces (these synthetic frames have
 * none; models/face is tested on real faces in edge-agent/privacy/face-guard.int.test.ts),
 * counting the crops it is given.
 */
function countingGuard(): FaceGuardPort & { crops: number } {
  const finder = { findFaces: async () => Detections.empty() };
  const guard = new FaceGuard(finder);
  const g = {
    crops: 0,
    protect: (img: RgbFrame, persons: ReadonlyArray<readonly number[]>) => {
      g.crops++;
      return guard.protect(img, persons);
    },
  };
  return g;
}

function setup(plates?: PlateReaderPort, faces: FaceGuardPort | null = countingGuard()) {
  const config = gatewayConfig({
    gateway: 'gw-unit',
    mqttUrl: 'mqtt://127.0.0.1:1',
    modelsDir: '/nonexistent',
    cameras: [
      {
        id: 'cam-unit',
        url: '/dev/null',
        width: W,
        height: H,
        lines: [{ id: 'mid', from: [0, 0.5], to: [1, 0.5] }],
        rules: [{ id: 'mid-in', type: 'line_crossing', line: 'mid', direction: 'in', classes: ['car'] }],
      },
    ],
    extra: { attributes: { plateMinHeightPx: 40 } },
  });
  let n = 0;
  return new CameraPipeline({
    gateway: 'gw-unit',
    camera: config.cameras[0]!,
    config,
    labels: COCO_LABELS,
    model: 'nanodet-g-416',
    newId: () => `01TEST${String(n++).padStart(20, '0')}`,
    log: silentLogger(),
    plates,
    faces: faces ?? undefined,
  });
}

describe('CameraPipeline', () => {
  it('turns a car crossing a line into one event and one sighting with colour, plate and snapshots', async () => {
    const reads: string[] = ['浙A12345', '浙A12345', '浙A1234S'];
    let calls = 0;
    const guard = countingGuard();
    const pipeline = setup(
      { readPlates: async () => [{ text: reads[calls++ % reads.length]!, score: 0.9 }] },
      guard,
    );
    const hits = [];
    const snapshots = [];
    // 20 frames at 5 fps: the car (60x50 px) moves from y=40 to y=190 (bottom edge), crossing y=120.
    for (let i = 0; i < 20; i++) {
      const y1 = 40 + i * 5;
      const box = [120, y1, 180, y1 + 50];
      const out = await pipeline.process(
        {
          camera: 'cam-unit',
          seq: i,
          tsMs: T + i * 200,
          receivedMs: 0,
          frame: frameWith(box),
        },
        Detections.fromRows([{ box, score: 0.9, classId: CAR }]),
      );
      hits.push(...out.hits);
      snapshots.push(...out.snapshots);
    }
    // Then the road is empty for 3 s: the track is lost, then ends (lostTrackMs 2 s).
    for (let i = 20; i < 35; i++) {
      const out = await pipeline.process(
        {
          camera: 'cam-unit',
          seq: i,
          tsMs: T + i * 200,
          receivedMs: 0,
          frame: frameWith([0, 0, 0, 0]),
        },
        Detections.empty(),
      );
      hits.push(...out.hits);
      snapshots.push(...out.snapshots);
    }
    expect(hits.map((h) => `${h.kind}/${h.type}`)).toEqual(['event/line_crossing', 'sighting/vehicle']);
    for (const h of hits) expect(checkHit(h).ok).toBe(true);
    const [event, sighting] = hits;
    expect(event!.rule).toBe('mid-in');
    expect(event!.zone).toBe('mid');
    expect(sighting!.label).toBe('car');
    expect(sighting!.attrs).toMatchObject({
      vehicleType: 'car',
      color: 'red',
      plate: '浙A12345',
      direction: 'southbound',
    });
    // Reported from confirmation (the 3rd matched frame, tracker minHits 3) to the last frame.
    expect(sighting!.durationMs).toBe(17 * 200);
    expect(calls).toBe(3); // the three largest crops, read once each at the end of the track
    // The event's crop and its whole frame (box and line drawn), the sighting's crop.
    expect(snapshots).toHaveLength(3);
    expect(event!.frame).toBeDefined();
    expect(sighting!.frame).toBeUndefined();
    expect(snapshots.map((s) => s.id).sort()).toEqual(
      [event!.snapshot, event!.frame, sighting!.snapshot].sort(),
    );
    for (const s of snapshots) expect(s.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    // Every image that leaves, the event's whole frame included, went through the face guard.
    expect(guard.crops).toBe(snapshots.length);
    expect(pipeline.size).toBe(0);
  });

  it('flush ends live tracks with their sightings and forgets everything', async () => {
    const pipeline = setup();
    for (let i = 0; i < 5; i++) {
      const box = [100, 100, 160, 150];
      await pipeline.process(
        {
          camera: 'cam-unit',
          seq: i,
          tsMs: T + i * 200,
          receivedMs: 0,
          frame: frameWith(box),
        },
        Detections.fromRows([{ box, score: 0.9, classId: CAR }]),
      );
    }
    expect(pipeline.size).toBeGreaterThan(0);
    const out = await pipeline.flush();
    expect(out.hits.map((h) => h.kind)).toEqual(['sighting']);
    expect(pipeline.size).toBe(0);
  });

  it('ignores classes that are neither tracked nor named by a rule', async () => {
    const pipeline = setup();
    const bird = COCO_LABELS.indexOf('bird');
    for (let i = 0; i < 10; i++) {
      const out = await pipeline.process(
        {
          camera: 'cam-unit',
          seq: i,
          tsMs: T + i * 200,
          receivedMs: 0,
          frame: frameWith([0, 0, 0, 0]),
        },
        Detections.fromRows([{ box: [10, 10, 40, 40], score: 0.9, classId: bird }]),
      );
      expect(out.hits).toEqual([]);
    }
    expect(pipeline.tracks).toBe(0);
  });

  it('blurFaces without a face guard fails closed: hits go out, snapshots do not', async () => {
    const pipeline = setup(undefined, null);
    const out = { hits: [] as unknown[], snapshots: [] as unknown[] };
    for (let i = 0; i < 5; i++) {
      const box = [100, 100, 160, 150];
      const o = await pipeline.process(
        { camera: 'cam-unit', seq: i, tsMs: T + i * 200, receivedMs: 0, frame: frameWith(box) },
        Detections.fromRows([{ box, score: 0.9, classId: CAR }]),
      );
      out.hits.push(...o.hits);
      out.snapshots.push(...o.snapshots);
    }
    const f = await pipeline.flush();
    out.hits.push(...f.hits);
    out.snapshots.push(...f.snapshots);
    expect(out.hits).toHaveLength(1);
    expect(out.hits[0]).not.toHaveProperty('snapshot');
    expect(out.snapshots).toEqual([]);
  });

  it('passes every snapshot crop through the face guard', async () => {
    const guard = countingGuard();
    const pipeline = setup(undefined, guard);
    let snapshots = 0;
    for (let i = 0; i < 5; i++) {
      const box = [100, 100, 160, 150];
      const o = await pipeline.process(
        { camera: 'cam-unit', seq: i, tsMs: T + i * 200, receivedMs: 0, frame: frameWith(box) },
        Detections.fromRows([{ box, score: 0.9, classId: CAR }]),
      );
      snapshots += o.snapshots.length;
    }
    snapshots += (await pipeline.flush()).snapshots.length;
    expect(snapshots).toBe(1);
    expect(guard.crops).toBe(snapshots);
  });
});
