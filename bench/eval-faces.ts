/**
 * Face-blur evaluation (`npm run eval:faces [-- --json] [--models-dir DIR] [--min-score S]
 * [--head-frac F]`), the measurement docs/privacy.md reports.
 *
 * For each labelled image or video frame (models/eval/faces/labels.json) at three scales
 * (1, 0.75 and 0.5: downscaled copies of the same real faces, so a face is also seen at the
 * sizes of a camera farther away), it does what the edge agent does to a snapshot: the edge
 * detector finds persons, each person scoring at least tracker.highScore gets a snapshot crop
 * (the default margin) holding every person box that overlaps it, and the face guard blurs
 * that crop. Then, per labelled face inside a snapshot (at least half its box inside the
 * crop):
 * - protected: at least 90 % of its pixels inside the crop are blurred, in every snapshot
 *   that shows it (edge-agent/privacy/coverage.ts);
 * - found by the face detector alone: the same with only the face detector's regions.
 * Recall is per size bin of the face's width in the frame. Precision is the face detector's:
 * its boxes (merged across snapshots) whose centre lies in a labelled face box, over all its
 * boxes (a box on an unlabelled back of a head counts against it). `msPerSnapshot` is the
 * median wall time of the face guard on one crop, `cpuMsPerSnapshot` its median process CPU
 * time (steadier when other work shares the CPU; the load average is reported with them). Human-readable lines go to stderr; with
 * `--json` the last stdout line is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { projectRoot, testDataDir } from '../contracts/testdata.js';
import { FACE_GUARD_DEFAULTS, FACE_MIN_SCORE, FaceGuard } from '../edge-agent/privacy/face-guard.js';
import { TiledFaceFinder } from '../models/face/face-finder.js';
import { coveredFraction, overlapOf, PROTECTED_COVERAGE } from '../edge-agent/privacy/coverage.js';
import { faceRegion } from '../edge-agent/privacy/regions.js';
import { holdCrop } from '../edge-agent/snapshot.js';
import { iou } from '../models/decoders/nms.js';
import { type RgbFrame, readImage } from '../models/frame.js';
import { defaultModelsDir } from '../models/manifest.js';
import { openDetector, openFaceDetector } from '../models/runtime.js';
import { benchArgs } from './args.js';

const values = benchArgs(
  'faces',
  'Face-blur recall and precision on the hand-labelled faces, and the cost per snapshot (npm run eval:faces)',
  {
    json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
    'models-dir': { type: 'string', description: 'Models directory (default: ~/.cache/xueliang/models)' },
    'min-score': {
      type: 'string',
      description: `Face detector score threshold (default: ${FACE_MIN_SCORE})`,
    },
    'head-frac': {
      type: 'string',
      description: `Head region, fraction of a person box's height; 0: off (default: ${FACE_GUARD_DEFAULTS.headFrac})`,
    },
  },
);
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const SCALES = [1, 0.75, 0.5];
const SNAPSHOT_MARGIN = 0.25;
const PERSON_MIN = 0.3;
const TRACK_MIN = 0.45;
const BINS = [
  { name: 'w>=16', min: 16, max: Number.POSITIVE_INFINITY },
  { name: '8<=w<16', min: 8, max: 16 },
  { name: 'w<8', min: 0, max: 8 },
];

interface Labels {
  images: Array<{ source: string; frame?: number; faces: Array<{ box: number[]; pose: string }> }>;
}

async function loadFrame(data: string, source: string, frame: number | undefined): Promise<RgbFrame> {
  if (frame === undefined) return readImage(join(data, source));
  const png = execFileSync(
    'ffmpeg',
    [
      '-loglevel',
      'error',
      '-i',
      join(data, source),
      '-vf',
      `select=eq(n\\,${frame})`,
      '-frames:v',
      '1',
      '-f',
      'image2pipe',
      '-vcodec',
      'png',
      '-',
    ],
    { maxBuffer: 64 << 20 },
  );
  return readImage(png);
}

async function scaled(f: RgbFrame, s: number): Promise<RgbFrame> {
  if (s === 1) return f;
  const w = Math.round(f.width * s);
  const h = Math.round(f.height * s);
  const buf = await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } })
    .resize(w, h, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), width: w, height: h };
}

/** The face box inside a face region (regions.ts faceRegion, inverted), in frame px. */
function faceBoxOf(r: readonly number[], m: number, ox: number, oy: number): number[] {
  const w = (r[2]! - r[0]!) / (1 + 2 * m);
  const h = (r[3]! - r[1]!) / (1 + 2.5 * m);
  const x1 = r[0]! + w * m;
  const y1 = r[1]! + h * m * 1.5;
  return [x1 + ox, y1 + oy, x1 + w + ox, y1 + h + oy];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};
const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;

const data = testDataDir();
if (!data) {
  log('eval:faces needs the test media at ../shared/data (or XUELIANG_TEST_DATA)');
  process.exit(2);
}
const modelsDir = resolve(values['models-dir'] ?? defaultModelsDir());
const labels = JSON.parse(readFileSync(join(projectRoot, 'models/eval/faces/labels.json'), 'utf8')) as Labels;
const persons = await openDetector({ modelsDir, name: 'nanodet-g-320', threads: 1, progress: log });
const faces = await openFaceDetector({ modelsDir, threads: 1, build: false });
const minScore = values['min-score'] ? Number(values['min-score']) : FACE_MIN_SCORE;
const opts = {
  ...FACE_GUARD_DEFAULTS,
  ...(values['head-frac'] !== undefined ? { headFrac: Number(values['head-frac']) } : {}),
};
const guard = new FaceGuard(new TiledFaceFinder(faces, minScore), opts);

const counts = BINS.map(() => ({ labelled: 0, inSnapshot: 0, protectedN: 0, foundN: 0, wholeFrameN: 0 }));
const finder = new TiledFaceFinder(faces, minScore);
let detections = 0;
let matched = 0;
let snapshots = 0;
const ms: number[] = [];
/** Process CPU time per snapshot (1 onnxruntime thread, in-process): less at the mercy of other load. */
const cpuMs: number[] = [];
const missed: string[] = [];
/** Faces no snapshot shows (no person box scoring tracker.highScore around them). */
const notInSnapshot: string[] = [];
for (const im of labels.images) {
  const original = await loadFrame(data, im.source, im.frame);
  for (const s of SCALES) {
    const frame = await scaled(original, s);
    const dets = await persons.detect(frame, { minScore: PERSON_MIN });
    const personRows = Array.from({ length: dets.length }, (_, i) => i).filter(
      (i) => persons.labels[dets.classId[i]!] === 'person',
    );
    const norm = personRows.map((i) => {
      const b = dets.box(i);
      return [b[0] / frame.width, b[1] / frame.height, b[2] / frame.width, b[3] / frame.height] as const;
    });
    const labelled = im.faces.map((f) => f.box.map((v) => v * s));
    // The face finder on the whole frame (what an event snapshot around a vehicle relies on).
    const whole = await finder.findFaces(frame);
    const wholeRegions = Array.from({ length: whole.length }, (_, i) =>
      faceRegion(whole.box(i), opts.marginFrac),
    );
    const state = labelled.map(() => ({ inSnapshot: false, protectedAll: true, foundAll: true }));
    const faceBoxes: number[] = [];
    for (let k = 0; k < personRows.length; k++) {
      if (dets.score[personRows[k]!]! < TRACK_MIN) continue;
      const crop = holdCrop(frame, norm[k]!, SNAPSHOT_MARGIN, norm);
      const { width: cw, height: ch } = crop.frame;
      const ox = crop.cropNorm[0] * frame.width;
      const oy = crop.cropNorm[1] * frame.height;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const p = await guard.protect(
        crop.frame,
        (crop.personsNorm ?? []).map((b) => [b[0] * cw, b[1] * ch, b[2] * cw, b[3] * ch]),
      );
      ms.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuMs.push((c.user + c.system) / 1000);
      snapshots++;
      const { faceRegions } = p;
      for (const r of p.faceRegions) faceBoxes.push(...faceBoxOf(r, opts.marginFrac, ox, oy));
      const toFrame = (r: readonly number[]) => [r[0]! + ox, r[1]! + oy, r[2]! + ox, r[3]! + oy];
      const cropBox = [ox, oy, ox + cw, oy + ch];
      labelled.forEach((box, j) => {
        if (overlapOf(box, cropBox) < 0.5) return;
        const inside = [
          Math.max(box[0]!, ox),
          Math.max(box[1]!, oy),
          Math.min(box[2]!, ox + cw),
          Math.min(box[3]!, oy + ch),
        ];
        const st = state[j]!;
        st.inSnapshot = true;
        if (coveredFraction(inside, p.regions.map(toFrame)) < PROTECTED_COVERAGE) st.protectedAll = false;
        if (coveredFraction(inside, faceRegions.map(toFrame)) < PROTECTED_COVERAGE) st.foundAll = false;
      });
    }
    // The face detector's boxes across snapshots, merged: a box overlapping an earlier one
    // by IoU > 0.3 is the same face seen in two crops.
    const merged: number[] = [];
    for (let i = 0; i < faceBoxes.length; i += 4) {
      const cand = faceBoxes.slice(i, i + 4);
      let dup = false;
      for (let m = 0; m < merged.length; m += 4)
        if (iou([...cand, ...merged.slice(m, m + 4)], 0, 1) > 0.3) dup = true;
      if (!dup) merged.push(...cand);
    }
    for (let m = 0; m < merged.length; m += 4) {
      detections++;
      const cx = (merged[m]! + merged[m + 2]!) / 2;
      const cy = (merged[m + 1]! + merged[m + 3]!) / 2;
      if (labelled.some((b) => cx >= b[0]! && cx <= b[2]! && cy >= b[1]! && cy <= b[3]!)) matched++;
    }
    labelled.forEach((box, j) => {
      const w = box[2]! - box[0]!;
      const bin = BINS.findIndex((b) => w >= b.min && w < b.max);
      const c = counts[bin]!;
      const st = state[j]!;
      c.labelled++;
      if (coveredFraction(box, wholeRegions) >= PROTECTED_COVERAGE) c.wholeFrameN++;
      if (!st.inSnapshot) {
        notInSnapshot.push(
          `${im.source}${im.frame !== undefined ? `#${im.frame}` : ''} ×${s} face ${j} (${w.toFixed(0)} px)`,
        );
        return;
      }
      c.inSnapshot++;
      if (st.protectedAll) c.protectedN++;
      else
        missed.push(
          `${im.source}${im.frame !== undefined ? `#${im.frame}` : ''} ×${s} face ${j} (${w.toFixed(0)} px, ${im.faces[j]!.pose})`,
        );
      if (st.foundAll) c.foundN++;
    });
  }
}
const byBin = Object.fromEntries(
  BINS.map((b, i) => {
    const c = counts[i]!;
    return [
      b.name,
      {
        labelled: c.labelled,
        inSnapshot: c.inSnapshot,
        protected: c.protectedN,
        recallProtected: c.inSnapshot ? round(c.protectedN / c.inSnapshot) : null,
        recallFaceDetectorOnly: c.inSnapshot ? round(c.foundN / c.inSnapshot) : null,
        recallFaceDetectorWholeFrame: c.labelled ? round(c.wholeFrameN / c.labelled) : null,
      },
    ];
  }),
);
const total = counts.reduce(
  (a, c) => ({
    inSnapshot: a.inSnapshot + c.inSnapshot,
    protectedN: a.protectedN + c.protectedN,
    foundN: a.foundN + c.foundN,
  }),
  { inSnapshot: 0, protectedN: 0, foundN: 0 },
);
const result = {
  labelledFaces: labels.images.reduce((a, i) => a + i.faces.length, 0),
  scales: SCALES,
  options: { ...opts, minScore },
  snapshots,
  byWidth: byBin,
  recallProtected: total.inSnapshot ? round(total.protectedN / total.inSnapshot) : null,
  recallFaceDetectorOnly: total.inSnapshot ? round(total.foundN / total.inSnapshot) : null,
  faceDetectorPrecision: detections ? round(matched / detections) : null,
  faceDetections: detections,
  msPerSnapshot: round(median(ms), 1),
  cpuMsPerSnapshot: round(median(cpuMs), 1),
  loadAverage: round(loadavg()[0] ?? 0, 1),
  missed,
  notInSnapshot,
};
log(JSON.stringify(result, null, 2));
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
