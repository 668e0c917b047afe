/**
 * Accuracy harness (`npm run eval [-- --json] [--model NAME] [--min-score S]`): the edge
 * agent's detector and attribute code against the labels in bench/eval/labels/ (how they were
 * made: docs/accuracy.md). Reports
 *   - clothing colour (upper, lower) and vehicle body colour on labelled boxes: exact (the
 *     first labelled colour) and within the labelled alternatives;
 *   - detection recall and precision per size band (box height < 32, < 96, ≥ 96 px) at IoU 0.5,
 *     classes person and vehicle;
 *   - tracking (`--only track`): the agent's detector and tracker at `--fps` over the clips of
 *     bench/eval/labels/tracks.json, CLEAR MOT (MOTA, ID switches) and IDF1 (bench/eval/mot.ts).
 * Human-readable lines go to stderr; with `--json` the last stdout line is one JSON object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EDGE_DETECTOR, GatewayConfig } from '../contracts/config/gateway.js';
import { projectRoot } from '../contracts/testdata.js';
import type { RgbImage } from '../edge-agent/attributes/colour.js';
import { personColours, vehicleColour } from '../edge-agent/attributes/crops.js';
import { sightingTypeOf, vehicleTypeOf } from '../edge-agent/attributes/labels.js';
import { PoseEstimator } from '../edge-agent/attributes/pose.js';
import { buildModels, POSE_MODEL } from '../models/build.js';
import { OnnxDetector } from '../models/detector.js';
import type { RgbFrame } from '../models/frame.js';
import { defaultModelsDir, loadModel } from '../models/manifest.js';
import { openSession } from '../models/onnx-session.js';
import { Value } from '@sinclair/typebox/value';
import { benchArgs } from './args.js';
import { type TrackSequence, trackFigures } from './eval/track-eval.js';
import { gatedDetections, motionBefore, regionCropDetections } from './eval/motion-eval.js';
import { DEFAULT_ZOOM, zoomViews } from '../edge-agent/zoom.js';
import { type PlateLabel, plateFigures } from './eval/plates-eval.js';
import { clipFrames } from './eval/video.js';
import { FrameCache, type FrameRef, resizeFrame } from './eval/media.js';
import { detectTiled } from './eval/tiling.js';
import { mosaics } from './eval/mosaic.js';
import {
  type BandTally,
  type ColourTally,
  type DetectionTally,
  emptyDetectionTally,
  emptyTally,
  type GtBox,
  iou,
  type PredBox,
  type SizeBand,
  colourFigures,
  tallyColour,
  tallyColourIn,
  tallyDetections,
  vehicleSource,
} from './eval/score.js';

const values = benchArgs('eval', 'Detection and attribute accuracy against the labels in bench/eval/labels', {
  json: { type: 'boolean', default: false, description: 'Print one JSON object as the last line' },
  model: { type: 'string', default: EDGE_DETECTOR, description: 'Detector model name from the manifest' },
  'min-score': {
    type: 'string',
    default: '0.3',
    description: 'Detection score threshold (the agent default)',
  },
  'models-dir': { type: 'string', description: 'Models directory (default: ~/.cache/xueliang/models)' },
  only: {
    type: 'string',
    default: 'all',
    description: 'colour | detect | people | track | plates | type | all',
  },
  'plate-model': {
    type: 'string',
    default: '',
    description:
      'Plate detector for the plate reader (.onnx path or catalogue name; empty: PP-OCRv4 text detection only, the agent default)',
  },
  fps: { type: 'string', default: '5', description: 'Frame rate the tracker runs at (track)' },
  motion: {
    type: 'boolean',
    default: false,
    description:
      'Also score detection on the identity-label clips with motion gating, at --fps (detect); track: the tracker behind the motion gate',
  },
  coast: {
    type: 'string',
    default: 'agent',
    description: 'motion.coastFrames with --motion: N, or agent (the agent default)',
  },
  appearance: {
    type: 'string',
    default: 'agent',
    description:
      'Appearance in the tracker association: on | off | agent (the agent default, tracker.appearance)',
  },
  keypoints: {
    type: 'string',
    default: 'agent',
    description:
      'Clothing colours from body keypoints (MoveNet): on | off | agent (the agent default, attributes.keypoints)',
  },
  crops: {
    type: 'boolean',
    default: false,
    description:
      "people: detect only on the motion gate's crops around the labelled people (as if they alone moved), not the whole frame",
  },
  tiling: {
    type: 'string',
    default: '0',
    description:
      'Also detect on an N×N grid of overlapping tiles and merge (SAHI-style, edge-agent/tiling.ts; 0: whole frame only)',
  },
  'native-tiles': {
    type: 'boolean',
    default: false,
    description:
      'people: on frames the agent decodes smaller than the camera (small-people.json `decode`), crop tiles from the native frame',
  },
  'small-min-score': {
    type: 'string',
    default: '0',
    description:
      'Boxes under 32 px tall (the small band) scoring below this are dropped after the merge, from any view (model.smallMinScore)',
  },
  'split-groups': {
    type: 'boolean',
    default: false,
    description:
      'With --tiling: drop whole-frame boxes the tiles split into side-by-side objects (model.tileSplitGroups, edge-agent/tiling.ts)',
  },
  zoom: {
    type: 'string',
    default: '0',
    description:
      "people: also detect on up to N square crops around the video frame's small motion blobs, the gate fed the 3 s before (model.zoomCrops, edge-agent/zoom.ts)",
  },
  'zoom-min-score': {
    type: 'string',
    default: '0',
    description: 'Zoom-crop boxes below this score are dropped (model.zoomMinScore; 0: --min-score)',
  },
  'zoom-context': {
    type: 'string',
    default: '1.5',
    description: 'Zoom crop side as a multiple of the blob (tuning)',
  },
  'zoom-min-px': { type: 'string', default: '96', description: 'Smallest zoom crop side, px (tuning)' },
  'tile-min-score': {
    type: 'string',
    default: '0',
    description:
      'Tile boxes below this score are dropped (the whole frame keeps --min-score; model.tileMinScore)',
  },
});
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
const LABELS = join(projectRoot, 'bench', 'eval', 'labels');

interface PersonLabel extends FrameRef {
  box: [number, number, number, number];
  upper?: string[];
  lower?: string[];
}
interface VehicleLabel extends FrameRef {
  box: [number, number, number, number];
  body?: string[];
  /** Vehicle type(s) of contracts/vocabulary.ts, the most fitting first. */
  type?: string[];
}
interface BoxesLabel extends FrameRef {
  boxes: Array<GtBox & { ignore?: boolean }>;
  ignoreRegions?: number[][];
  /** Only this class is labelled on the frame (small-people.json: persons); others are not scored. */
  only?: string;
  /** The size the agent decodes this camera at (small-people.json: the campus, boxed at 768×576, decoded at 640×480). */
  decode?: [number, number];
}

function readLabels<T>(name: string): T[] {
  const p = join(LABELS, name);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as T[]) : [];
}

function trackerDefaults(): GatewayConfig['tracker'] {
  return Value.Default(GatewayConfig.properties.tracker, {}) as GatewayConfig['tracker'];
}

/** motion.coastFrames for the gated figures: --coast, or the agent default. */
function coastFrames(): number {
  if (values.coast !== 'agent') return Number(values.coast);
  return (Value.Default(GatewayConfig.properties.motion, {}) as GatewayConfig['motion']).coastFrames;
}

async function openDetector(): Promise<OnnxDetector> {
  const modelsDir = resolve(values['models-dir'] ?? defaultModelsDir());
  await buildModels({ modelsDir, progress: (l) => log(`models: ${l}`) });
  const { entry, path } = await loadModel(modelsDir, values.model);
  return new OnnxDetector(entry, await openSession(path, { threads: 1 }));
}

async function trackingFigures(): Promise<Record<string, unknown>> {
  const t = trackerDefaults();
  const appearance = values.appearance === 'agent' ? t.appearance : values.appearance === 'on';
  const res = await trackFigures(readLabels<TrackSequence>('tracks.json'), {
    detector: await openDetector(),
    fps: Number(values.fps),
    tiling: Number(values.tiling),
    minScore: Number(values['min-score']),
    tileMinScore: Number(values['tile-min-score']),
    tracker: {
      lostTrackMs: t.lostTrackMs,
      minHits: t.minHits,
      highScore: t.highScore,
      newTrackScore: t.newTrackScore,
    },
    appearance,
    ...(values.motion ? { gate: { coastFrames: coastFrames() } } : {}),
    log,
  });
  const r3 = (v: number): number => Math.round(v * 1000) / 1000;
  const out: Record<string, unknown> = {
    appearance,
    fps: Number(values.fps),
    ...(values.motion ? { motionGate: { coastFrames: coastFrames() } } : {}),
  };
  for (const [k, m] of Object.entries(res)) {
    out[k] = { ...m, mota: r3(m.mota), motp: r3(m.motp), idf1: r3(m.idf1), idp: r3(m.idp), idr: r3(m.idr) };
    log(
      `track ${k.padEnd(30)} appearance ${appearance ? 'on ' : 'off'} IDF1 ${(100 * m.idf1).toFixed(1)} % MOTA ${(100 * m.mota).toFixed(1)} % ID switches ${m.idSwitches} (gt ${m.objects} boxes / ${m.gtIds} ids, tracks ${m.hypIds}, FN ${m.misses}, FP ${m.falsePositives})`,
    );
  }
  return out;
}

const asImage = (f: RgbFrame): RgbImage => ({ data: f.data, widthPx: f.width, heightPx: f.height });

/** Whether colours use body keypoints (`--keypoints`, default the agent's `attributes.keypoints`). */
function keypointsOn(): boolean {
  if (values.keypoints === 'on' || values.keypoints === 'off') return values.keypoints === 'on';
  return (Value.Default(GatewayConfig.properties.attributes, {}) as GatewayConfig['attributes']).keypoints;
}

/** Colour tallies: upper and lower clothing, vehicle body overall, and vehicle body per source and per media file. */
interface ColourTallies {
  upper: ColourTally;
  lower: ColourTally;
  vehicle: ColourTally;
  vehicleBySource: Record<string, ColourTally>;
  vehicleByMedia: Record<string, ColourTally>;
}

async function colourTallies(frames: FrameCache): Promise<ColourTallies> {
  const upper = emptyTally();
  const lower = emptyTally();
  const body = emptyTally();
  const bySource: Record<string, ColourTally> = {};
  const byMedia: Record<string, ColourTally> = {};
  const pose = keypointsOn()
    ? await PoseEstimator.open(resolve(values['models-dir'] ?? defaultModelsDir()), POSE_MODEL)
    : undefined;
  for (const l of readLabels<PersonLabel>('person-colours.json')) {
    const frame = await frames.get(l);
    const c = personColours(asImage(frame), l.box, {}, await pose?.estimate(frame, l.box));
    if (l.upper) tallyColour(upper, l.upper, c.upper.colour, c.upper.second);
    if (l.lower) tallyColour(lower, l.lower, c.lower.colour, c.lower.second);
  }
  for (const l of readLabels<VehicleLabel>('vehicle-colours.json')) {
    if (!l.body) continue;
    const c = vehicleColour(asImage(await frames.get(l)), l.box);
    tallyColour(body, l.body, c.colour, c.second);
    tallyColourIn(bySource, vehicleSource(l.media), l.body, c.colour, c.second);
    tallyColourIn(byMedia, l.media, l.body, c.colour, c.second);
  }
  await pose?.release();
  return { upper, lower, vehicle: body, vehicleBySource: bySource, vehicleByMedia: byMedia };
}

/**
 * The colour section of the output: `upper`, `lower`, `vehicle` (all labelled vehicles), and
 * `vehicleBySource` (`highway`: the highway clip, `other`: the rest) and `vehicleByMedia`.
 */
async function colourSection(frames: FrameCache): Promise<Record<string, unknown>> {
  const t = await colourTallies(frames);
  const line = (k: string, f: ReturnType<typeof colourFigures>): void =>
    log(
      `colour ${k.padEnd(8)} n=${f.n} exact ${f.exactPct} % (${f.exact}) within ${f.withinPct} % with second candidate ${f.withinTop2Pct} %`,
    );
  const out: Record<string, unknown> = {};
  for (const k of ['upper', 'lower', 'vehicle'] as const) {
    out[k] = colourFigures(t[k]);
    line(k, out[k] as ReturnType<typeof colourFigures>);
  }
  for (const key of ['vehicleBySource', 'vehicleByMedia'] as const) {
    const groups = Object.fromEntries(Object.entries(t[key]).map(([g, tally]) => [g, colourFigures(tally)]));
    out[key] = groups;
    for (const [g, f] of Object.entries(groups))
      line(`vehicle ${key === 'vehicleBySource' ? 'source' : 'media'} ${g}`, f);
  }
  return out;
}

/** Person and vehicle predictions on one frame (`only`: one class, the others not scored). */
async function predict(
  det: OnnxDetector,
  frame: RgbFrame,
  only?: string,
  native?: RgbFrame,
  motion?: ReadonlyArray<readonly number[]>,
): Promise<Array<PredBox & { label: string }>> {
  const found = await detectTiled(
    det,
    frame,
    Number(values.tiling),
    Number(values['min-score']),
    Number(values['tile-min-score']),
    {
      splitGroups: values['split-groups'],
      smallMinScore: Number(values['small-min-score']),
      ...(values['native-tiles'] && native ? { native } : {}),
      ...(motion
        ? { zoom: { views: zoomOf(motion, frame), minScore: Number(values['zoom-min-score']) } }
        : {}),
    },
  );
  const pred: Array<PredBox & { label: string }> = [];
  for (const f of found) {
    const label = det.entry.labels[f.classId] ?? '';
    const cls = sightingTypeOf(label);
    if ((cls === 'person' || cls === 'vehicle') && (!only || cls === only))
      pred.push({ cls, score: f.score, box: f.box, label });
  }
  return pred;
}

let zoomRuns = 0;
/** The zoom crops (`--zoom`) the agent would cut around these motion boxes; counted in zoomRuns. */
function zoomOf(motion: ReadonlyArray<readonly number[]>, frame: RgbFrame) {
  const views = zoomViews(motion, frame.width, frame.height, {
    ...DEFAULT_ZOOM,
    crops: Number(values.zoom),
    context: Number(values['zoom-context']),
    minPx: Number(values['zoom-min-px']),
  });
  zoomRuns += views.length;
  return views;
}

/**
 * Detection per size band on the labelled frames (boxes.json) and on the frames of the
 * identity labels (tracks.json: one class per clip, every labelled frame).
 */
async function detectionFigures(frames: FrameCache): Promise<{
  frames: DetectionTally;
  clips: DetectionTally;
  smallPeople: DetectionTally;
  gated?: DetectionTally;
}> {
  const det = await openDetector();
  const tally = emptyDetectionTally();
  for (const l of readLabels<BoxesLabel>('boxes.json'))
    tallyDetections(tally, l.boxes, await predict(det, await frames.get(l)), 0.5, l.ignoreRegions);
  const smallPeople = await smallPeopleFigures(det, frames);
  const clips = emptyDetectionTally();
  for (const seq of readLabels<TrackSequence>('tracks.json')) {
    const byT = new Map(seq.frames.map((f) => [Math.round(f.tSec * 100), f]));
    const every = seq.frames.length > 1 ? seq.frames[1]!.tSec - seq.frames[0]!.tSec : 1;
    const clip = { media: seq.media, startSec: seq.startSec, durSec: seq.durSec, fps: 1 / every };
    for await (const { tSec, frame } of clipFrames(clip)) {
      const l = byT.get(Math.round(tSec * 100));
      if (!l) continue;
      const gt = l.boxes.map((b) => ({ cls: seq.cls, box: b.slice(1) }));
      const ignore = [...(seq.ignoreRegions ?? []), ...(l.ignore ?? [])];
      tallyDetections(clips, gt, await predict(det, frame, seq.cls), 0.5, ignore);
    }
  }
  return { frames: tally, clips, smallPeople, ...(values.motion ? { gated: await gatedFigures(det) } : {}) };
}

/**
 * A by-eye frame as the agent sees it: labels with `decode` ([w, h]) were boxed on the native
 * frame, which the agent decodes at w×h — the frame is resized and the boxes scaled with it.
 */
async function asDecoded(native: RgbFrame, l: BoxesLabel): Promise<{ frame: RgbFrame; label: BoxesLabel }> {
  if (!l.decode) return { frame: native, label: l };
  const [w, h] = l.decode;
  const sx = w / native.width;
  const sy = h / native.height;
  const scale = (b: readonly number[]): number[] => [b[0]! * sx, b[1]! * sy, b[2]! * sx, b[3]! * sy];
  return {
    frame: await resizeFrame(native, w, h),
    label: {
      ...l,
      boxes: l.boxes.map((b) => ({ ...b, box: scale(b.box) })),
      ...(l.ignoreRegions ? { ignoreRegions: l.ignoreRegions.map(scale) } : {}),
    },
  };
}

/** Persons on the frames where every person was boxed by eye, no detector proposals (docs/accuracy.md, "Small people"). */
async function smallPeopleFigures(det: OnnxDetector, frames: FrameCache): Promise<DetectionTally> {
  const t = emptyDetectionTally();
  let runs = 0;
  for (const raw of readLabels<BoxesLabel>('small-people.json')) {
    const native = await frames.get(raw);
    const { frame, label: l } = await asDecoded(native, raw);
    if (!values.crops) {
      const motion = Number(values.zoom) > 0 ? await motionBefore(raw) : undefined;
      tallyDetections(t, l.boxes, await predict(det, frame, l.only, native, motion), 0.5, l.ignoreRegions);
      continue;
    }
    const moving = l.boxes.filter((b) => !b.ignore).map((b) => b.box);
    const r = await regionCropDetections(det, frame, moving, Number(values['min-score']));
    runs += r.runs;
    const pred: PredBox[] = [];
    for (let i = 0; i < r.detections.length; i++) {
      const cls = sightingTypeOf(det.entry.labels[r.detections.classId[i]!] ?? '');
      if (cls === (l.only ?? cls))
        pred.push({ cls, score: r.detections.score[i]!, box: r.detections.box(i) });
    }
    tallyDetections(t, l.boxes, pred, 0.5, l.ignoreRegions);
  }
  if (values.crops) log(`people: motion-region crops, ${runs} detector runs`);
  if (Number(values.zoom) > 0) log(`people: ${zoomRuns} zoom crops (detector runs) on the by-eye frames`);
  return t;
}

/** Detection on the identity-label frames as the motion-gated agent sees them (./eval/motion-eval.ts). */
async function gatedFigures(det: OnnxDetector): Promise<DetectionTally> {
  const tally = emptyDetectionTally();
  for (const seq of readLabels<TrackSequence>('tracks.json')) {
    const g = await gatedDetections(det, seq, Number(values.fps), Number(values['min-score']), {
      coastFrames: coastFrames(),
    });
    log(
      `motion gating ${seq.media} (coastFrames ${coastFrames()}): ${g.plans.skip} frames skipped (${g.plans.coast} coasted), ${g.plans.crop} cropped, ${g.plans.full} whole`,
    );
    for (const l of seq.frames) {
      const d = g.byT.get(Math.round(l.tSec * 100));
      const pred: PredBox[] = [];
      for (let i = 0; i < (d?.length ?? 0); i++) {
        const cls = sightingTypeOf(det.entry.labels[d!.classId[i]!] ?? '');
        if (cls === seq.cls) pred.push({ cls, score: d!.score[i]!, box: d!.box(i) });
      }
      const gt = l.boxes.map((b) => ({ cls: seq.cls, box: b.slice(1) }));
      tallyDetections(tally, gt, pred, 0.5, [...(seq.ignoreRegions ?? []), ...(l.ignore ?? [])]);
    }
  }
  return tally;
}

const pct = (a: number, b: number): number | null => (b === 0 ? null : Math.round((1000 * a) / b) / 10);

/**
 * Vehicle type on the labelled vehicle boxes: the type of the detector's vehicle box that
 * overlaps the label best (IoU ≥ 0.5), as the agent types a track by its detections' class;
 * a label no box overlaps counts as not detected.
 */
async function vehicleTypes(frames: FrameCache): Promise<Record<string, unknown>> {
  const det = await openDetector();
  const t = emptyTally();
  let missed = 0;
  const bySource: Record<string, ColourTally> = {};
  const missedBySource: Record<string, number> = {};
  for (const l of readLabels<VehicleLabel>('vehicle-colours.json')) {
    if (!l.type) continue;
    const source = vehicleSource(l.media);
    bySource[source] ??= emptyTally();
    let best: string | undefined;
    let bestIou = 0.5;
    for (const p of await predict(det, await frames.get(l), 'vehicle')) {
      const v = iou(p.box, l.box);
      if (v < bestIou) continue;
      bestIou = v;
      best = vehicleTypeOf(p.label);
    }
    if (best === undefined) {
      missed++;
      missedBySource[source] = (missedBySource[source] ?? 0) + 1;
    } else {
      tallyColour(t, l.type, best);
      tallyColour(bySource[source], l.type, best);
    }
  }
  const figures = (x: ColourTally, m: number) => ({
    n: x.n + m,
    detected: x.n,
    exactPct: pct(x.exact, x.n),
    withinPct: pct(x.within, x.n),
    confusions: x.confusions,
  });
  const r = {
    ...figures(t, missed),
    bySource: Object.fromEntries(
      Object.entries(bySource).map(([k, x]) => [k, figures(x, missedBySource[k] ?? 0)]),
    ),
  };
  for (const [k, f] of [['all', r] as const, ...Object.entries(r.bySource)])
    log(
      `vehicle type ${k.padEnd(7)} n=${f.n} detected ${f.detected}: exact ${f.exactPct} % within ${f.withinPct} %`,
    );
  return r;
}

async function plates(): Promise<Record<string, unknown>> {
  const modelsDir = resolve(values['models-dir'] ?? defaultModelsDir());
  const f = await plateFigures(readLabels<PlateLabel>('plates.json'), await openDetector(), {
    modelsDir,
    minScore: Number(values['min-score']),
    ...(values['plate-model'] ? { plateModel: values['plate-model'] } : {}),
  });
  log(
    `plates n=${f.n} exact read in a detected vehicle ${pct(f.exactInVehicles, f.n)} %, on the whole photo ${pct(f.exactWholeFrame, f.n)} %`,
  );
  for (const r of f.reads)
    log(`  ${r.media} ${r.plate}: vehicles [${r.vehicles.join(' ')}] whole [${r.whole.join(' ')}]`);
  return {
    ...f,
    exactInVehiclesPct: pct(f.exactInVehicles, f.n),
    exactWholeFramePct: pct(f.exactWholeFrame, f.n),
    plateModel: values['plate-model'] || null,
  };
}

/** Detector runs per frame of tiled detection: the whole frame plus grid² tiles. */
const tileRuns = (grid: number): number => (grid >= 2 ? 1 + grid * grid : 1);

/** Per band and over all sizes (`all`): counts, recall and precision. */
function peopleFigures(
  t: DetectionTally,
): Record<string, BandTally & { recallPct: number | null; precisionPct: number | null }> {
  const all: BandTally = { gt: 0, found: 0, pred: 0, correct: 0 };
  for (const b of Object.values(t))
    for (const k of ['gt', 'found', 'pred', 'correct'] as const) all[k] += b[k];
  return Object.fromEntries(
    Object.entries({ ...t, all }).map(([band, b]) => [
      band,
      { ...b, recallPct: pct(b.found, b.gt), precisionPct: pct(b.correct, b.pred) },
    ]),
  );
}

/** Persons on the synthetic-scale mosaics of the campus frames (./eval/mosaic.ts), apart from the by-eye set. */
async function syntheticScaleFigures(det: OnnxDetector): Promise<DetectionTally> {
  const t = emptyDetectionTally();
  for (const seq of readLabels<TrackSequence>('tracks.json')) {
    if (seq.cls !== 'person') continue;
    for await (const { frame, label } of mosaics(seq))
      tallyDetections(t, label.boxes, await predict(det, frame, 'person'), 0.5, label.ignoreRegions);
  }
  return t;
}

async function main(): Promise<void> {
  const frames = new FrameCache();
  const out: Record<string, unknown> = {
    model: values.model,
    minScore: Number(values['min-score']),
    tiling: Number(values.tiling),
    tileMinScore: Number(values['tile-min-score']),
    keypoints: keypointsOn(),
  };
  if (values.only === 'colour' || values.only === 'all') out.colour = await colourSection(frames);
  if (values.only === 'track' || values.only === 'all') out.tracking = await trackingFigures();
  if (values.only === 'plates' || values.only === 'all') out.plates = await plates();
  if (values.only === 'type' || values.only === 'all') out.vehicleType = await vehicleTypes(frames);
  if (values.only === 'people') {
    const det = await openDetector();
    const runs = values.crops ? 'crops' : tileRuns(Number(values.tiling));
    out.detectorRunsPerFrame = runs;
    out.zoomCrops = Number(values.zoom);
    const sets: Array<[string, string, DetectionTally]> = [
      ['detectionSmallPeople', 'people', await smallPeopleFigures(det, frames)],
    ];
    if (Number(values.zoom) > 0) out.zoomDetectorRuns = zoomRuns;
    if (!values.crops) sets.push(['detectionSyntheticScale', 'synth', await syntheticScaleFigures(det)]);
    for (const [key, name, t] of sets) {
      out[key] = peopleFigures(t);
      for (const [band, b] of Object.entries(out[key] as Record<string, BandTally>))
        log(
          `detect ${values.model} tiling ${values.tiling} ${name} ${band.padEnd(8)} gt=${b.gt} found ${b.found} recall ${pct(b.found, b.gt)} % precision ${pct(b.correct, b.pred)} % (${b.correct}/${b.pred} predictions; ${runs} detector runs a frame)`,
        );
    }
  }
  if (values.only === 'detect' || values.only === 'all') {
    const d = await detectionFigures(frames);
    const all = emptyDetectionTally();
    for (const t of [d.frames, d.clips])
      for (const [band, b] of Object.entries(t))
        for (const k of ['gt', 'found', 'pred', 'correct'] as const) all[band as SizeBand][k] += b[k];
    const figures = (t: DetectionTally) =>
      Object.fromEntries(
        Object.entries(t).map(([band, b]) => [
          band,
          {
            gt: b.gt,
            found: b.found,
            pred: b.pred,
            recallPct: pct(b.found, b.gt),
            precisionPct: pct(b.correct, b.pred),
          },
        ]),
      );
    out.detection = figures(d.frames);
    out.detectionClips = figures(d.clips);
    out.detectionSmallPeople = figures(d.smallPeople);
    out.detectionAll = figures(all);
    if (d.gated) out.detectionClipsGated = figures(d.gated);
    const sets: Array<[string, DetectionTally]> = [
      ['frames', d.frames],
      ['clips', d.clips],
      ['all', all],
      ['people', d.smallPeople],
    ];
    if (d.gated) sets.push(['gated', d.gated]);
    for (const [name, t] of sets)
      for (const [band, b] of Object.entries(t))
        log(
          `detect ${values.model} tiling ${values.tiling} ${name.padEnd(6)} ${band.padEnd(6)} gt=${b.gt} recall ${pct(b.found, b.gt)} % precision ${pct(b.correct, b.pred)} % (${b.pred} predictions)`,
        );
  }
  if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();
